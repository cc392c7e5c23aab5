#!/usr/bin/env python3
"""Renders the chat-template fixtures in src/test/resources/templates with Python's Jinja2 the way Hugging Face's
apply_chat_template does (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, raise_exception, tojson with
ensure_ascii=False), and writes the expected prompts to src/test/resources/chat-templates/expected.json.
Run from the repository root: python3 src/test/golden-recipes/templates/render.py"""
import json
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.exceptions import TemplateError

DIR = "src/test/resources/chat-templates/"

def raise_exception(message):
    raise TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "Ville, e.g. Paris"},
                                                          "days": {"type": "integer"}}, "required": ["city"]}}}
CASES = [
    ("one-user", {"messages": [{"role": "user", "content": "Hello"}]}),
    ("system-and-turns", {"messages": [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": "Hi"},
                                       {"role": "assistant", "content": " Hello! "},
                                       {"role": "user", "content": "Quoi de neuf ? [INST] ünïcödé"}]}),
    ("no-generation-prompt", {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}],
                              "add_generation_prompt": False}),
    ("tools", {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [WEATHER]}),
    ("tool-round-trip", {"messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "abcDEF123", "type": "function",
                                                              "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "22C", "tool_call_id": "abcDEF123"},
        {"role": "assistant", "content": "It is 22C."},
        {"role": "user", "content": "Thanks"}], "tools": [WEATHER]}),
    ("bad-order", {"messages": [{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]}),
    ("bad-tool-id", {"messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
                                                              "function": {"name": "f", "arguments": {}}}]}]}),
]

out = {}
for name in ["mistral-v03", "mistral-v1", "chatml", "llama3-like"]:
    src = open(DIR + name + ".jinja", encoding="utf-8").read()
    t = env.from_string(src)
    results = {}
    for case, c in CASES:
        kw = dict(messages=c["messages"], add_generation_prompt=c.get("add_generation_prompt", True),
                  bos_token="<s>", eos_token="</s>")
        if "tools" in c:
            kw["tools"] = c["tools"]
        try:
            results[case] = {"prompt": t.render(**kw)}
        except Exception as e:  # a template's own refusal or a failure: the message only
            results[case] = {"error": str(e)}
    out[name] = results
json.dump({"cases": {k: v for k, v in CASES}, "expected": out}, open(DIR + "expected.json", "w", encoding="utf-8"),
          ensure_ascii=False, indent=1)
print("wrote", DIR + "expected.json")
