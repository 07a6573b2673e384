"""The Slack bot: a Bolt app (bot.app) whose listeners parse, check, enqueue and render;
bot.notify posts what the worker has to say."""
