"""What the tests share, imported by them (conftest.py files hold only fixtures).

* ``articles``: where the bundled and synthetic articles are; writing articles in the seed layout;
* ``corpus``, ``news``, ``hostile``: synthetic knowledge folders for retrieval, topic subscriptions and hostile input;
* ``cli``: the command line, in this process or as a real one;
* ``fakes``, ``updates``, ``harness``: the Telegram Application in process (a recording request class, update dicts);
* ``process``, ``chats``: ``python -m bot run`` as a process against the Bot API emulator (:mod:`devtools.emulator`);
* ``sites``: a local news site for fetching; ``services``: opening search services.
"""
