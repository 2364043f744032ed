"""Offline stand-in for get-pip.py, used by ansible-test.

ansible-test downloads get-pip 24.2 from a host that is not reachable here;
when this file sits in its cache it is run instead.  It installs pip from the
pip 24.2 wheel that `make setup` put beside it, passing ansible-test's
arguments through.
"""
import os
import sys

WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-24.2-py3-none-any.whl")

if not os.path.exists(WHEEL):
    sys.exit("get-pip stand-in: %s is missing; run `make setup`" % WHEEL)

sys.path.insert(0, WHEEL)
from pip._internal.cli.main import main  # noqa: E402  pylint: disable=wrong-import-position

# get-pip's own switches mean "do not install these"; pip itself does not know them.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY and a != "pip" and not a.startswith("pip=")]
sys.exit(main(["install", "--disable-pip-version-check", WHEEL] + args))
