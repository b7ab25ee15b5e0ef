"""The Telegram front end: handlers translate between Telegram and :class:`bot.service.SearchService`."""
