"""Building the demo warehouse, under the module name the command line imports
(:mod:`etl.demo.build`)."""

from etl.demo.build import DEMO_ACCOUNTS, add_demo_accounts, build_demo, demo_password

__all__ = ["DEMO_ACCOUNTS", "add_demo_accounts", "build_demo", "demo_password"]
