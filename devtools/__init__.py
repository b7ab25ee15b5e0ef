"""Development-only tools shared by the tests and the benchmarks (never shipped in the wheel).

* :mod:`devtools.emulator`: a Bot API emulator on 127.0.0.1 that refuses what Telegram refuses;
* :mod:`devtools.telegram_html`: Telegram's HTML parse mode, as strictly as the Bot API applies it.
"""
