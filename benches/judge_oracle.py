"""An oracle LLM judge for `benches/judge-ceiling.sh`: an OpenAI-compatible Chat
Completions endpoint on 127.0.0.1 that answers belegt's judge prompts with the sentences
overlapping the state's own evidence quotes in the eval files given (`state_evidence`),
and names no sentence for a state without quotes. It reads what belegt shows it and
knows the answers: the comparison it yields is the ceiling of an LLM judge over those
passages, not a result of one.

    python3 benches/judge_oracle.py PORT FILE.jsonl [FILE.jsonl ...]

PORT 0 picks a free port; the first line printed is `listening on URL` (the base URL
for `--llm-url`).
"""
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = re.compile(r"[0-9a-zäöüß]+")
N = 4  # word n-grams shared with a quote


def grams(text):
    w = WORDS.findall(text.lower())
    return {tuple(w[i:i + N]) for i in range(len(w) - N + 1)}


def norm(text):
    return " ".join(text.split())


EVIDENCE = {}
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line)
                EVIDENCE[norm(item["question"])] = item.get("state_evidence") or {}


def verdict(prompt):
    question = norm(prompt.split("<<<FRAGE>>>", 1)[1].split("<<<ENDE FRAGE>>>", 1)[0])
    state = re.search(r"des Landes [^\n]*\(([A-Z]{2})\):", prompt).group(1)
    quotes = [grams(q) for q in EVIDENCE.get(question, {}).get(state, [])]
    sentences = re.findall(r"<<<SATZ (\d+)>>>\n(.*?)\n<<<ENDE SATZ \1>>>", prompt, re.S)
    best, best_score = None, 0
    for n, text in sentences:
        g = grams(text)
        score = max((len(g & q) for q in quotes), default=0)
        if score > best_score:
            best, best_score = int(n), score
    return {"saetze": [best] if best else []}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        content = json.dumps(verdict(body["messages"][1]["content"]))
        out = json.dumps({
            "id": "oracle", "object": "chat.completion", "created": 0, "model": "oracle",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    server.serve_forever()
