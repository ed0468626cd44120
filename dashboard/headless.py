"""The app run in this process through Streamlit's ``AppTest``, as the tests and the page
benchmark run it, made to do once what a server does once.

A server compiles each script once and looks for installed custom components once, when it
starts. ``AppTest`` compiles ``app.py`` and the page again on every run (tens of milliseconds
for a long page) and reads the metadata of every installed package for each new session
(about 0.2 s). Neither changes while a process runs, so each is done once and kept: what the
app draws is the same.
"""

from __future__ import annotations

import functools

from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner


def run_like_a_server() -> None:
    """Share one script cache among every ``AppTest`` run of this process, and scan the
    installed packages for components once. Calling it again changes nothing."""
    _share_script_cache()
    scan = manifest_scanner.scan_component_manifests
    if not hasattr(scan, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.cache(scan)


@functools.cache
def _share_script_cache() -> None:
    shared = ScriptCache()
    for module in (app_test, local_script_runner):
        if hasattr(module, "ScriptCache"):
            module.ScriptCache = lambda: shared
