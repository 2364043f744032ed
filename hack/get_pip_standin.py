"""Offline stand-in for get-pip.py, used by ansible-test.

ansible-test downloads get-pip for the pip version it pins (get-pip-24.2.py for
ansible-core 2.19) from a host that is not reachable here; when a file named
get_pip_<version with underscores>.py sits in its cache (~/.ansible/test/cache)
it is run instead.  `make venv` copies this file there once per pip version the
supported ansible-core releases ask for (hack/cores.txt), each beside the pip
wheel of that version; the version is read from the file's own name.  It
installs pip from that wheel, passing ansible-test's arguments through.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = re.match(r"get_pip_(\d+(?:_\d+)*)\.py$", os.path.basename(__file__))
if not NAME:
    sys.exit("get-pip stand-in: cannot tell the pip version from the file name %s" % __file__)
VERSION = NAME.group(1).replace("_", ".")
WHEEL = os.path.join(HERE, "pip-%s-py3-none-any.whl" % VERSION)

if not os.path.exists(WHEEL):
    sys.exit("get-pip stand-in: %s is missing; run `make venv`" % WHEEL)

sys.path.insert(0, WHEEL)
from pip._internal.cli.main import main  # noqa: E402  pylint: disable=wrong-import-position

# get-pip's own switches mean "do not install these"; pip itself does not know them.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY and a != "pip" and not a.startswith("pip=")]
sys.exit(main(["install", "--disable-pip-version-check", WHEEL] + args))
