"""A story's follow-up replies to its first alert's message in chat (issue 15), as an operator
meets it: a real feed server → `monitor poll` (a subprocess) → loopback receivers that answer
like Telegram (a message id for each send) and Slack (a bare "ok": no id), on SQLite and on a
real PostgreSQL. The Matrix side runs against a real Synapse in test_deliver_matrix.py.

The follow-up must reply to the id the first send returned, not to some id; a first alert
whose message is unknown (dead, or a service without ids) leaves its follow-up a message of
its own, never held and never dropped.
"""

import pytest

from support.cli import run_cli, write_config
from support.webhook_receiver import Reply, WebhookReceiver
from test_story_alerts import (FACTORY_BE, FACTORY_EN, FACTORY_RU, RULE, dated, serve,  # noqa: F401
                               state, update)

pytestmark = pytest.mark.integration
TOKEN = "123456:AAE-secret_bot_token"
CHAT = -100123


def sent(message_id: int) -> Reply:
    return Reply(200, {"ok": True, "result": {"message_id": message_id, "chat": {"id": CHAT},
                                              "date": 1765000000, "text": "…"}})


@pytest.fixture
def telegram():
    rx = WebhookReceiver("telegram").start()
    yield rx
    rx.stop()


@pytest.fixture
def slack():
    rx = WebhookReceiver("slack").start()
    yield rx
    rx.stop()


def channels(telegram, slack) -> list[dict]:
    """Two Telegram bots (their own API paths) and a Slack webhook."""
    return [{"name": f"tg-{bot}", "type": "telegram", "token": f"{bot}{TOKEN}",
             "chat_id": CHAT, "api_url": telegram.url(""), "timeout": "5s"}
            for bot in ("1", "2")] + \
        [{"name": "slack", "type": "slack", "url": slack.url("/services/T0/B0/secret"),
          "timeout": "5s"}]


def messages(rx, path) -> list[dict]:
    return [r.json() for r in rx.delivered(path)]


def test_a_later_report_replies_to_the_first_alerts_telegram_message(
        tmp_path, feed_server, telegram, slack, state):
    bot1, bot2 = f"/bot1{TOKEN}/sendMessage", f"/bot2{TOKEN}/sendMessage"
    # Bot 1's first message is 4242; bot 2's first alert is refused for good (dead): its
    # story's follow-up has no message to reply to.
    telegram.script(bot1, sent(4242))
    telegram.script(bot2, Reply(400, {"ok": False, "error_code": 400,
                                      "description": "Bad Request: message is too long"}))
    feeds = serve(feed_server, wire=[dated(FACTORY_EN, 6)])
    write_config(tmp_path / "config.yaml", feeds, rules=RULE,
                 channels=channels(telegram, slack), **state)
    assert run_cli("poll", cwd=tmp_path).code == 0
    [root] = messages(telegram, bot1)
    assert "reply_parameters" not in root and "Baranovichi" in root["text"]
    assert len(telegram.requests_to(bot2)) == 1 and not telegram.delivered(bot2)

    # The Russian and Belarusian reports come a poll later, in a new process.
    update(feed_server, wire=[dated(FACTORY_EN, 6)], ria=[dated(FACTORY_RU, 5)],
           svaboda=[dated(FACTORY_BE, 4)])
    result = run_cli("poll", "--force", cwd=tmp_path)
    assert result.code == 0, result.stderr
    [_, follow_up] = messages(telegram, bot1)
    assert follow_up["reply_parameters"] == {"message_id": 4242,
                                             "allow_sending_without_reply": True}
    assert FACTORY_RU["link"] in follow_up["text"] and FACTORY_BE["link"] in follow_up["text"]
    # Bot 2: the first alert never went out, so the follow-up is a message of its own.
    [unthreaded] = messages(telegram, bot2)
    assert "reply_parameters" not in unthreaded and FACTORY_RU["link"] in unthreaded["text"]
    # Slack's incoming webhook answers "ok", no id: the follow-up is a message of its own.
    slack_texts = [json_text(m) for m in messages(slack, "/services/T0/B0/secret")]
    assert len(slack_texts) == 2 and FACTORY_RU["link"] in slack_texts[1]


def json_text(message: dict) -> str:
    import json

    return json.dumps(message, ensure_ascii=False)


def test_a_follow_up_in_the_same_poll_replies_to_the_message_sent_just_before(
        tmp_path, feed_server, telegram, slack):
    bot1 = f"/bot1{TOKEN}/sendMessage"
    telegram.script(bot1, sent(77), sent(78))
    feeds = serve(feed_server, wire=[dated(FACTORY_EN, 6)], ria=[dated(FACTORY_RU, 5)],
                  svaboda=[dated(FACTORY_BE, 4)])
    write_config(tmp_path / "config.yaml", feeds, rules=RULE,
                 channels=channels(telegram, slack)[:1])
    assert run_cli("poll", cwd=tmp_path).code == 0
    root, follow_up = messages(telegram, bot1)
    assert "reply_parameters" not in root and FACTORY_EN["link"] in root["text"]
    assert follow_up["reply_parameters"]["message_id"] == 77
