"""The documentation covers every command, option and setting the code has, and what the README
promises a fresh clone holds: git ignores what the app writes under ``data/``, the pages use no
deprecated Streamlit argument, the dependencies that break across major versions are capped, and
``make test`` installs or names the system packages its browser and workbook tests need."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from cli import cli
from etl.accounts import Accounts
from etl.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented(name):
    assert f"campaigns {name}" in README
    assert f"campaigns {name}" in CONFIG


@pytest.mark.parametrize(
    "name, option",
    [
        (name, opt)
        for name, cmd in sorted(cli.commands.items())
        for param in cmd.params
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    ],
)
def test_every_option_is_documented(name, option):
    lines = [ln for ln in CONFIG.splitlines() if f"`campaigns {name}" in ln]
    assert any(option in ln for ln in lines), f"{option} of `campaigns {name}` not documented"


def test_every_command_help_opens_with_a_line_and_an_example():
    for name, cmd in cli.commands.items():
        assert cmd.help and "Example: campaigns" in cmd.help, name


def test_every_setting_is_documented():
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "etl").rglob("*.py"))
    code += (ROOT / "dashboard" / "app.py").read_text(encoding="utf-8")
    settings = set(re.findall(r"CAMPAIGNS_[A-Z_]+", code))
    assert settings
    for name in sorted(settings):
        assert f"`{name}`" in CONFIG, name


def test_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README


def test_every_test_setting_is_documented():
    """The variables ``make test``, ``.ci/run`` and the tests read are in configuration.md."""
    files = [ROOT / "Makefile", ROOT / ".ci" / "run", *(ROOT / "scripts").iterdir()]
    files += (ROOT / "tests").glob("*.py")
    code = "\n".join(p.read_text(encoding="utf-8") for p in files if p.is_file())
    settings = set(re.findall(r"CAMPAIGNS_[A-Z_]+", code))
    assert {"CAMPAIGNS_REQUIRE_BROWSER", "CAMPAIGNS_NO_SYSTEM_INSTALL"} <= settings
    for name in sorted(settings):
        assert f"`{name}`" in CONFIG, name


def test_git_ignores_what_the_app_writes_beside_the_default_warehouse(monkeypatch):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    monkeypatch.delenv("CAMPAIGNS_ACCOUNTS", raising=False)
    wh = Warehouse(Path("data/warehouse.duckdb"))  # the default of --warehouse, from the root
    accounts = Accounts.for_warehouse(wh).path
    written = [
        wh.path,
        wh.path.with_name(wh.path.name + ".wal"),
        wh.read_path,
        wh.read_path.with_name(f".{wh.read_path.name}.1234.tmp"),
        wh.read_log_path,
        wh.read_log_path.with_name(f".{wh.read_log_path.name}.1234.tmp"),
        wh.base_path,
        wh.base_path.with_name(f".{wh.base_path.name}.1234.tmp"),
        wh.lock_path,
        wh.files_dir / "PDP-01" / "metrics.csv",
        accounts,
        accounts.with_name(accounts.name + "-journal"),
    ]
    for path in written:
        done = subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", str(path)], cwd=ROOT, check=False
        )
        assert done.returncode == 0, f"{path} is not ignored by .gitignore"
    kept = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", "data/templates/metrics.en.csv"],
        cwd=ROOT,
        check=False,
    )
    assert kept.returncode == 1, "the upload templates must stay in git"


def test_the_pages_use_no_deprecated_streamlit_argument():
    deprecated = ("use_container_width",)  # width="stretch" / "content" since Streamlit 1.49
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "dashboard").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(name in line for name in deprecated)
    ]
    assert not found, found


@pytest.mark.parametrize("name", ["streamlit", "duckdb"])
def test_dependencies_that_break_across_majors_are_capped(name):
    """The installed version satisfies the requirement, and the next major release does not."""
    from importlib.metadata import version

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [req] = [Requirement(r) for r in project["dependencies"] if Requirement(r).name == name]
    installed = Version(version(name))
    assert req.specifier.contains(installed), (str(req), str(installed))
    assert not req.specifier.contains(f"{installed.major + 1}.0"), f"{req} has no upper bound"


def test_make_test_installs_the_system_packages_and_ci_requires_them():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test:.*\bsystem-deps\b", makefile, re.M), "make test skips system-deps"
    assert re.search(r"^system-deps:\n\t@?bash scripts/system-deps$", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for line in (
        "export CAMPAIGNS_REQUIRE_BROWSER=1",
        "export CAMPAIGNS_REQUIRE_LIBREOFFICE=1",
        "make test",
    ):
        assert re.search(rf"^{re.escape(line)}$", ci, re.M), line
    assert "set -euo pipefail" in ci


def test_system_deps_names_what_to_install_when_it_may_not(tmp_path):
    """With installing turned off and no LibreOffice on PATH: one line saying what to install,
    exit 0; when LibreOffice is required, an error and exit 1."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash")
    env = {"PATH": str(tmp_path), "CAMPAIGNS_NO_SYSTEM_INSTALL": "1"}
    script = str(ROOT / "scripts" / "system-deps")
    skipped = subprocess.run([bash, script], env=env, capture_output=True, text=True, check=False)
    assert skipped.returncode == 0, skipped.stderr
    lines = [ln for ln in skipped.stdout.splitlines() if "LibreOffice" in ln]
    assert lines == [
        "system-deps: LibreOffice workbook test skipped: LibreOffice is not installed "
        "(CAMPAIGNS_NO_SYSTEM_INSTALL is set); "
        "run: apt-get install --no-install-recommends libreoffice-calc"
    ]
    required = subprocess.run(
        [bash, script],
        env={**env, "CAMPAIGNS_REQUIRE_LIBREOFFICE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert required.returncode == 1
    assert "CAMPAIGNS_REQUIRE_LIBREOFFICE is set" in required.stderr
    assert "libreoffice-calc" in required.stderr


def test_every_picture_the_docs_show_is_there_and_made_by_make_screenshots():
    """Each image a page of the docs (or the README) shows exists, and the ones of
    ``docs/screenshots/`` are those ``make screenshots DOCS=1`` refreshes."""
    spec = importlib.util.spec_from_file_location(
        "screenshots", ROOT / "scripts" / "screenshots.py"
    )
    screenshots = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = screenshots  # its dataclass looks its module up there
    spec.loader.exec_module(screenshots)
    made = {f"{role}-{lang}-{page}.png" for role, lang, page in screenshots.DOCS_SHOTS}
    shown: set[str] = set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            picture = (doc.parent / target).resolve()
            assert picture.is_file(), f"{doc.name} shows {target}, which is not there"
            if picture.parent == ROOT / "docs" / "screenshots":
                shown.add(picture.name)
    assert shown == made
    assert {p.name for p in (ROOT / "docs" / "screenshots").glob("*.png")} == made
