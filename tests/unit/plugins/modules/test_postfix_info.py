# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.postfix_info: facts from postconf output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hardened.relay.plugins.module_utils import postfix as postfix_utils
from ansible_collections.hardened.relay.plugins.modules import postfix_info


def respond(argv):
    args = argv[1:]
    config_dir = "/etc/postfix"
    if args[:1] == ["-c"]:
        config_dir, args = args[1], args[2:]
    if args == ["mail_version", "compatibility_level", "default_database_type", "config_directory",
                "queue_directory"]:
        return 0, ("mail_version = 3.10.5\ncompatibility_level = 3.6\ndefault_database_type = lmdb\n"
                   "config_directory = %s\nqueue_directory = /var/spool/postfix\n" % config_dir), ""
    if args == ["-m"]:
        return 0, "cidr\nhash\nlmdb\npcre\n", ""
    if args == ["-a"]:
        return 0, "cyrus\ndovecot\n", ""
    if args == ["-A"]:
        return 0, "cyrus\n", ""
    if args == ["-F"]:
        return 0, ("smtp/inet/chroot = y\nsmtp/inet/command = smtpd\npickup/unix/chroot = y\n"
                   "local/unix/chroot = n\nproxymap/unix/chroot = -\n"), ""
    raise AssertionError(argv)


def test_facts(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(postfix_utils, "DISTRIBUTED_PROTOS", ())
    (tmp_path / "main.cf").write_text("compatibility_level = 3.6\n")
    (tmp_path / "main.cf.proto").write_text("# comment\ncompatibility_level = 3.10\n")
    runner.respond = respond
    result = runner.run(postfix_info, dict(config_dir=str(tmp_path))).result
    assert result["changed"] is False and result["installed"] is True and result["configured"] is True
    assert result["mail_version"] == "3.10.5" and result["version_tuple"] == [3, 10, 5]
    assert result["compatibility_level"] == "3.6"
    assert result["max_compatibility_level"] == "3.10"
    assert result["default_database_type"] == "lmdb"
    assert result["map_types"] == ["cidr", "hash", "lmdb", "pcre"]
    assert result["sasl_server_types"] == ["cyrus", "dovecot"] and result["sasl_client_types"] == ["cyrus"]
    assert result["chrooted_services"] == ["pickup/unix", "smtp/inet"]
    assert result["config_directory"] == str(tmp_path)


def test_without_main_cf_postconf_reads_a_scratch_directory(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(postfix_utils, "DISTRIBUTED_PROTOS", ())
    (tmp_path / "master.cf").write_text("smtp inet n - y - - smtpd\n")
    runner.respond = respond
    result = runner.run(postfix_info, dict(config_dir=str(tmp_path))).result
    assert result["configured"] is False
    assert result["config_directory"] == str(tmp_path)
    scratch = runner.commands[0][2]
    assert scratch != str(tmp_path) and scratch.startswith(runner.remote_tmp)
    assert not (tmp_path / "main.cf").exists()


def test_shipped_level_falls_back_by_version(tmp_path, monkeypatch):
    monkeypatch.setattr(postfix_utils, "DISTRIBUTED_PROTOS", ())
    assert postfix_utils.shipped_compatibility_level(str(tmp_path), [3, 7, 11]) == "3.6"
    assert postfix_utils.shipped_compatibility_level(str(tmp_path), [3, 4, 0]) == "2"


def test_config_dir_that_does_not_exist(runner, tmp_path):
    runner.respond = respond
    exit_ = runner.run(postfix_info, dict(config_dir=str(tmp_path / "nowhere")))
    assert exit_.failed and exit_.result["msg"].startswith("config_dir: %s does not exist" % (tmp_path / "nowhere"))
    assert runner.commands == []


def test_config_dir_that_is_a_file(runner, tmp_path):
    (tmp_path / "file").write_text("")
    runner.respond = respond
    exit_ = runner.run(postfix_info, dict(config_dir=str(tmp_path / "file")))
    assert exit_.failed and "config_dir: %s is not a directory" % (tmp_path / "file") in exit_.result["msg"]


@pytest.mark.parametrize("name", ["main.cf", "master.cf"])
def test_main_cf_or_master_cf_that_is_a_directory(runner, tmp_path, name):
    (tmp_path / name).mkdir()
    runner.respond = respond
    exit_ = runner.run(postfix_info, dict(config_dir=str(tmp_path)))
    assert exit_.failed and exit_.result["msg"].startswith("config_dir: %s is not a regular file" % (tmp_path / name))
    assert runner.commands == []


def test_config_dir_with_a_line_break(runner, tmp_path):
    runner.respond = respond
    exit_ = runner.run(postfix_info, dict(config_dir=str(tmp_path) + "\nx"))
    assert exit_.failed and exit_.result["msg"].startswith("config_dir: ") and "line break" in exit_.result["msg"]


def test_postconf_that_prints_no_version(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(postfix_utils, "DISTRIBUTED_PROTOS", ())
    (tmp_path / "main.cf").write_text("")
    runner.respond = lambda argv: (0, "compatibility_level = 3.6\n", "")
    exit_ = runner.run(postfix_info, dict(config_dir=str(tmp_path)))
    assert exit_.failed and "postconf printed no value for mail_version" in exit_.result["msg"]
