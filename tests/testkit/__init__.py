"""What the tests of every layer share (a package on the path through
``tests/conftest.py``'s folder):

- ``testkit.scripted``: the skeleton of a scripted chat model (``Request``,
  ``ScriptedModel``) that each layer's fakes fill with their answers;
- ``testkit.shared``: the ``../shared`` data folder beside the checkout
  (real screenplays, peer Fountain tests), skipping with a clear reason
  when it is missing.
"""
