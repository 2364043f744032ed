# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The postfix role's one configuration model, computed once from the role variables.

Read in this order:

- ``model.py`` turns the role variables (already checked and converted by the role's argument
  specs) into the desired configuration: every main.cf parameter in order, every master.cf
  service with its ``-o`` overrides, every table's entries exactly as postmap will see them,
  the SASL file, the packages. Each value remembers the variable it came from.
- ``syntax.py`` checks that every value can be written to its file without becoming structure
  there (a newline that adds a main.cf line, a ``}`` that closes an override, a blank in a
  master.cf column).
- ``master.py`` reads master.cf services as Postfix does: the listeners, their ports and their
  overrides on top of main.cf.
- ``guard.py`` is the open-relay guard: for every smtpd listener it reads main.cf with that
  service's overrides on top, as Postfix will, and refuses (fail closed) anything that could let
  a stranger relay or that it does not understand. ``parameters.py`` is its data: which
  parameters decide relaying and which are known not to.
- ``render.py`` writes main.cf from the model.

The action plugin ``hardened.relay.postfix_config`` is the thin shell that calls them.
"""
