"""belegt's OpenAI-compatible facade, driven by the official `openai` Python package.

Starts `belegt serve --addr 127.0.0.1:0` (BELEGT_BIN, default target/release/belegt),
reads the `listening on http://…` line, runs a non-streaming and a streaming chat
completion and a follow-up, checks the answers and their references, lists the
models, and stops the server. The server requires an API key (BELEGT_API_KEYS), which the
client sends as its OpenAI API key; a wrong key must fail with 401. Exit code 0 when
every check holds.
"""

import os
import signal
import subprocess
import sys

import openai

BIN = os.environ.get("BELEGT_BIN", "target/release/belegt")
QUESTION = "Welche Aufgaben hat die Taskforce KI in Berlin?"
KEY = "facade-test-key-58c1e0a7d2"


def start():
    proc = subprocess.Popen(
        [BIN, "serve", "--addr", "127.0.0.1:0"],
        env={**os.environ, "BELEGT_API_KEYS": KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        sys.exit(f"facade: belegt serve did not start (first line: {line!r})")
    return proc, line.removeprefix("listening on ")


def check(cond, message):
    if not cond:
        raise AssertionError(message)


def main():
    proc, base = start()
    try:
        stranger = openai.OpenAI(base_url=f"{base}/v1", api_key="not-the-key-0000000", timeout=60, max_retries=0)
        try:
            stranger.models.list()
            check(False, "a wrong API key must be refused")
        except openai.AuthenticationError as e:
            check(e.status_code == 401, f"error: {e}")
        print("facade: wrong key refused (401)")

        client = openai.OpenAI(base_url=f"{base}/v1", api_key=KEY, timeout=60, max_retries=0)

        models = client.models.list()
        check([m.id for m in models.data] == ["belegt"], f"models: {models}")

        reply = client.chat.completions.create(
            model="belegt",
            messages=[{"role": "system", "content": "Antworte knapp."}, {"role": "user", "content": QUESTION}],
        )
        content = reply.choices[0].message.content
        check(reply.choices[0].finish_reason == "stop", f"finish_reason: {reply.choices[0]}")
        check("[1]" in content and "\n\nQuellen:\n[1] " in content, f"content: {content}")
        refs = (reply.model_extra or {}).get("references")
        check(isinstance(refs, list) and len(refs) == 5, f"references: {refs}")
        check(all(r["text"] and r["doc"] and r["end"] > r["start"] for r in refs), f"references: {refs}")
        check(any(r.get("state") == "BE" for r in refs), f"no Berlin passage: {refs}")
        print(f"facade: non-streaming ok ({len(content)} characters, {len(refs)} references)")

        stream = client.chat.completions.create(
            model="belegt",
            stream=True,
            messages=[
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": content},
                {"role": "user", "content": "Und Bayern?"},
            ],
        )
        pieces, finish = [], None
        for chunk in stream:
            check(chunk.object == "chat.completion.chunk", f"chunk: {chunk}")
            choice = chunk.choices[0]
            if choice.delta.content:
                pieces.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
        text = "".join(pieces)
        check(finish == "stop", f"finish_reason {finish}")
        check(len(pieces) > 2, f"{len(pieces)} pieces")
        check("Quellen:" in text or "Nächstliegende Passagen" in text, f"streamed: {text}")
        check("(BY)" in text, f"the follow-up should search Bavaria: {text}")
        print(f"facade: streaming ok ({len(pieces)} pieces)")

        try:
            client.chat.completions.create(model="belegt", messages=[{"role": "system", "content": "x"}])
            check(False, "a request without a user message must fail")
        except openai.BadRequestError as e:
            check("no user message" in str(e), f"error: {e}")
        print("facade: errors ok")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            sys.exit("facade: belegt serve did not stop on SIGTERM")


if __name__ == "__main__":
    main()
