// Tool calling, structured outputs, n, FIM and embedding options through the official SDKs and the frameworks
// people build with, all unchanged from npm, against a running Sirocco on its random-weight demo models.
// Constrained decoding makes every call and object valid even though the models' text is noise.
// Env: SIROCCO_URL (http://host:port), SIROCCO_KEY (any model). Exits non-zero when a check fails.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Mistral } from '@mistralai/mistralai';
import { z } from 'zod';
import { generateText, streamText, tool, Output, stepCountIs, jsonSchema } from 'ai';
import { createMistral } from '@ai-sdk/mistral';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatMistralAI } from '@langchain/mistralai';
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';

const base = process.env.SIROCCO_URL.replace(/\/$/, '');
const key = process.env.SIROCCO_KEY;
const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
const checks = [];

async function check(name, fn) {
  if (only && !only.test(name)) return;
  try {
    await fn();
    checks.push(name);
    console.log(`ok   ${name}`);
  } catch (e) {
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
    process.exitCode = 1;
  }
}

const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0, timeout: 120_000 });
const mistral = new Mistral({ apiKey: key, serverURL: base, retryConfig: { strategy: 'none' } });
const aiMistral = createMistral({ apiKey: key, baseURL: `${base}/v1` });
const aiCompatible = createOpenAICompatible({ name: 'sirocco', apiKey: key, baseURL: `${base}/v1`, includeUsage: true,
  supportsStructuredOutputs: true });

// The tool every check calls: small bounded arguments, so a random model's choices still fit max_tokens.
// Strings are ASCII by pattern: zod counts UTF-16 units where JSON Schema's maxLength counts characters.
const Weather = z.object({
  city: z.string().regex(/^[A-Za-z ]{1,12}$/),
  days: z.number().int().min(1).max(7),
  unit: z.enum(['celsius', 'fahrenheit']),
});
const weatherSchema = {
  type: 'object',
  properties: {
    city: { type: 'string', pattern: '^[A-Za-z ]{1,12}$' },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
  },
  required: ['city', 'days', 'unit'],
  additionalProperties: false,
};
const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather forecast', parameters: weatherSchema } };
const Person = z.object({ name: z.string().regex(/^[A-Za-z ]{1,16}$/), age: z.number().int().min(0).max(120),
  tags: z.array(z.string().regex(/^[a-z]{1,8}$/)).max(3) });
const ask = [{ role: 'user', content: 'What is the weather in Paris for the next 3 days?' }];
const callId = /^[a-zA-Z0-9]{9}$/;

// ---- official SDKs ----

await check('openai: forced tool call, arguments valid, Mistral ids, finish tool_calls', async () => {
  const r = await openai.chat.completions.create({ model: 'mistral-tiny', messages: ask, tools: [weatherTool],
    tool_choice: { type: 'function', function: { name: 'get_weather' } }, max_tokens: 600, temperature: 0 });
  const c = r.choices[0];
  assert.equal(c.finish_reason, 'tool_calls');
  assert.equal(c.message.tool_calls.length, 1, 'a named tool_choice gives one call');
  const call = c.message.tool_calls[0];
  assert.match(call.id, callId);
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  Weather.parse(JSON.parse(call.function.arguments));
  assert.ok(r.usage.prompt_tokens > 40, 'tool definitions count as prompt tokens');
});

await check('openai: streamed tool calls reassemble (tool_choice required, mistral-small)', async () => {
  const stream = openai.chat.completions.stream({ model: 'mistral-small', messages: ask, tools: [weatherTool],
    tool_choice: 'required', parallel_tool_calls: false, max_tokens: 600, stream_options: { include_usage: true } });
  const final = await stream.finalChatCompletion();
  const c = final.choices[0];
  assert.equal(c.finish_reason, 'tool_calls');
  assert.equal(c.message.tool_calls.length, 1);
  assert.match(c.message.tool_calls[0].id, callId);
  Weather.parse(JSON.parse(c.message.tool_calls[0].function.arguments));
  assert.ok(final.usage.completion_tokens > 0);
});

await check('openai: a two-turn tool conversation is accepted and answered', async () => {
  const first = await openai.chat.completions.create({ model: 'mistral-tiny', messages: ask, tools: [weatherTool],
    tool_choice: 'required', max_tokens: 600 });
  const msg = first.choices[0].message;
  const messages = [...ask, msg, ...msg.tool_calls.map(tc => ({ role: 'tool', tool_call_id: tc.id, content: '{"temp": 18}' }))];
  const second = await openai.chat.completions.create({ model: 'mistral-tiny', messages, tools: [weatherTool],
    tool_choice: 'none', max_tokens: 8 });
  assert.equal(typeof second.choices[0].message.content, 'string');
  assert.ok(second.choices[0].message.tool_calls === undefined || second.choices[0].message.tool_calls.length === 0);
  assert.ok(second.usage.prompt_tokens > first.usage.prompt_tokens);
});

await check('openai: response_format json_schema gives a schema-valid object', async () => {
  const r = await openai.chat.completions.create({ model: 'mistral-medium', messages: [{ role: 'user', content: 'A person' }],
    response_format: { type: 'json_schema', json_schema: { name: 'person', strict: true, schema: z.toJSONSchema(Person) } },
    max_tokens: 300 });
  assert.equal(r.choices[0].finish_reason, 'stop');
  Person.parse(JSON.parse(r.choices[0].message.content));
});

await check('openai: json_object mode gives a JSON object', async () => {
  const r = await openai.chat.completions.create({ model: 'mistral-tiny', messages: [{ role: 'user', content: 'JSON please' }],
    response_format: { type: 'json_object' }, max_tokens: 60, temperature: 0 });
  if (r.choices[0].finish_reason === 'stop') {
    const v = JSON.parse(r.choices[0].message.content);
    assert.equal(typeof v, 'object');
    assert.ok(!Array.isArray(v));
  } else {
    assert.equal(r.choices[0].finish_reason, 'length');
  }
});

await check('openai: n=3 choices with their index, each billed; streamed n=2', async () => {
  const r = await openai.chat.completions.create({ model: 'mistral-tiny', messages: ask, n: 3, max_tokens: 5, seed: 11,
    presence_penalty: 0.5, frequency_penalty: 0.5, user: 'user-42', metadata: { team: 'tests' } });
  assert.deepEqual(r.choices.map(c => c.index), [0, 1, 2]);
  assert.ok(r.usage.completion_tokens > 5, 'three choices are billed');
  const seen = new Set();
  const stream = await openai.chat.completions.create({ model: 'mistral-tiny', messages: ask, n: 2, max_tokens: 4, stream: true });
  for await (const chunk of stream) for (const c of chunk.choices) seen.add(c.index);
  assert.deepEqual([...seen].sort(), [0, 1]);
});

await check('openai: embeddings with dimensions are truncated and re-normalised', async () => {
  const r = await openai.embeddings.create({ model: 'mistral-embed-latest', input: 'The wind', dimensions: 256 });
  const v = r.data[0].embedding;
  assert.equal(v.length, 256);
  assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-3);
});

await check('openai: models list aliases and capabilities; a model by its alias', async () => {
  const models = [];
  for await (const m of openai.models.list()) models.push(m);
  const tiny = models.find(m => m.id === 'mistral-tiny');
  assert.deepEqual(tiny.aliases, ['mistral-tiny-latest', 'open-mistral-7b']);
  assert.equal(tiny.capabilities.function_calling, true);
  const r = await openai.chat.completions.create({ model: 'open-mistral-7b', messages: ask, max_tokens: 2 });
  assert.equal(r.model, 'mistral-tiny');
});

await check('mistral: forced tool call (toolChoice any), ids and arguments', async () => {
  const r = await mistral.chat.complete({ model: 'mistral-small-latest', messages: ask, tools: [weatherTool], toolChoice: 'any',
    maxTokens: 600 });
  const c = r.choices[0];
  assert.equal(c.finishReason, 'tool_calls');
  assert.ok(c.message.toolCalls.length >= 1);
  for (const call of c.message.toolCalls) { // parallel calls allowed: every one is valid
    assert.match(call.id, callId);
    const args = typeof call.function.arguments === 'string' ? JSON.parse(call.function.arguments) : call.function.arguments;
    Weather.parse(args);
  }
});

await check('mistral: streamed tool call', async () => {
  const stream = await mistral.chat.stream({ model: 'mistral-tiny', messages: ask, tools: [weatherTool], toolChoice: 'any',
    maxTokens: 600 });
  let calls = [], finish = null;
  for await (const ev of stream) {
    const c = ev.data.choices[0];
    if (c?.delta?.toolCalls) calls.push(...c.delta.toolCalls);
    if (c?.finishReason) finish = c.finishReason;
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(calls.length >= 1, true);
  for (const call of calls) Weather.parse(JSON.parse(call.function.arguments));
});

await check('mistral: json_schema response format', async () => {
  const r = await mistral.chat.complete({ model: 'mistral-tiny', messages: [{ role: 'user', content: 'A person' }], maxTokens: 300,
    responseFormat: { type: 'json_schema', jsonSchema: { name: 'person', schemaDefinition: z.toJSONSchema(Person), strict: true } } });
  Person.parse(JSON.parse(r.choices[0].message.content));
});

await check('mistral: FIM on a model with FIM tokens; a clear 400 on one without', async () => {
  const models = (await mistral.models.list()).data;
  const fimModel = models.find(m => m.capabilities.completionFim);
  assert.ok(fimModel, 'a demo tier has FIM tokens');
  const r = await mistral.fim.complete({ model: fimModel.id, prompt: 'def add(a, b):\n    return ', suffix: '\n\nprint(add(1, 2))',
    maxTokens: 6, minTokens: 2, temperature: 0 });
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(r.usage.completionTokens >= 2);
  const noFim = models.find(m => !m.capabilities.completionFim && m.capabilities.completionChat);
  if (noFim) {
    await assert.rejects(mistral.fim.complete({ model: noFim.id, prompt: 'a', suffix: 'b' }),
      e => e.statusCode === 400 && e.body.includes(noFim.id));
  }
});

await check('mistral: embeddings outputDimension and outputDtype', async () => {
  const r = await mistral.embeddings.create({ model: 'mistral-embed', inputs: ['The wind'], outputDimension: 64, outputDtype: 'int8' });
  const v = r.data[0].embedding;
  assert.equal(v.length, 64);
  assert.ok(v.every(x => Number.isInteger(x) && x >= -127 && x <= 127));
  const b = await mistral.embeddings.create({ model: 'mistral-embed', inputs: ['The wind'], outputDtype: 'ubinary' });
  assert.equal(b.data[0].embedding.length, 1024 / 8);
});

// ---- Vercel AI SDK ----

for (const [label, provider] of [['ai-sdk mistral', aiMistral], ['ai-sdk openai-compatible', aiCompatible]]) {
  await check(`${label}: generateText with a forced tool; input parses against the zod schema`, async () => {
    const r = await generateText({ model: provider('mistral-tiny'), prompt: 'Weather in Paris?', maxOutputTokens: 600,
      tools: { get_weather: tool({ description: 'Weather forecast', inputSchema: Weather }) }, toolChoice: 'required' });
    assert.equal(r.toolCalls.length >= 1, true);
    for (const call of r.toolCalls) {
      assert.equal(call.toolName, 'get_weather');
      Weather.parse(call.input);
    }
    assert.equal(r.finishReason, 'tool-calls');
  });

  await check(`${label}: a two-step tool loop (call, result, answer)`, async () => {
    let executed = 0;
    const r = await generateText({ model: provider('mistral-small'), prompt: 'Weather in Paris?', maxOutputTokens: 600,
      tools: { get_weather: tool({ description: 'Weather forecast', inputSchema: Weather,
        execute: async ({ city }) => { executed++; return { city, forecast: 'sunny' }; } }) },
      stopWhen: stepCountIs(2),
      providerOptions: { mistral: { parallelToolCalls: false }, sirocco: { parallel_tool_calls: false } },
      prepareStep: ({ stepNumber }) => ({ toolChoice: stepNumber === 0 ? 'required' : 'none' }) });
    assert.equal(executed, 1);
    assert.equal(r.steps.length, 2);
    assert.equal(typeof r.text, 'string');
    assert.ok(r.totalUsage.inputTokens > r.steps[0].usage.inputTokens);
  });

  await check(`${label}: Output.object returns a schema-valid object`, async () => {
    const r = await generateText({ model: provider('mistral-medium'), prompt: 'A person', maxOutputTokens: 300,
      output: Output.object({ schema: Person }) });
    Person.parse(r.output);
  });

  await check(`${label}: streamText with usage`, async () => {
    const r = streamText({ model: provider('mistral-tiny'), prompt: 'Hello', maxOutputTokens: 6 });
    let text = '';
    for await (const part of r.textStream) text += part;
    const usage = await r.usage;
    assert.ok(usage.inputTokens > 0 && usage.outputTokens > 0 && usage.outputTokens <= 6, JSON.stringify(usage));
  });
}

// ---- LangChain.js ----

for (const [label, make] of [
  ['langchain mistral', () => new ChatMistralAI({ apiKey: key, serverURL: base, model: 'mistral-tiny', maxTokens: 600, temperature: 0.7 })],
  ['langchain openai', () => new ChatOpenAI({ apiKey: key, configuration: { baseURL: `${base}/v1` }, model: 'mistral-small', maxTokens: 600 })],
]) {
  await check(`${label}: bindTools with a forced call; args parse against the zod schema`, async () => {
    const llm = make().bindTools([{ name: 'get_weather', description: 'Weather forecast', schema: Weather }],
      { tool_choice: label.includes('mistral') ? 'any' : 'required' });
    const msg = await llm.invoke([new HumanMessage('Weather in Paris?')]);
    assert.equal(msg.tool_calls.length >= 1, true);
    for (const call of msg.tool_calls) {
      assert.equal(call.name, 'get_weather');
      Weather.parse(call.args);
    }
    const short = make();
    short.maxTokens = 16;
    const answer = await short.bindTools([{ name: 'get_weather', description: 'Weather forecast', schema: Weather }])
      .invoke([new HumanMessage('Weather in Paris?'), msg,
        ...msg.tool_calls.map(call => new ToolMessage({ tool_call_id: call.id, name: 'get_weather', content: 'sunny' }))]);
    assert.ok(typeof answer.content === 'string');
  });

  await check(`${label}: withStructuredOutput returns a schema-valid object`, async () => {
    Person.parse(await make().withStructuredOutput(Person, { name: 'person' }).invoke('A person'));
    Person.parse(await make().withStructuredOutput(Person, { name: 'person', method: 'jsonSchema' }).invoke('A person'));
  });

  await check(`${label}: streaming with usage`, async () => {
    let usage = null, chunks = 0;
    const llm = make();
    llm.maxTokens = 8;
    for await (const chunk of await llm.stream('Hello', { streamUsage: true })) {
      chunks++;
      if (chunk.usage_metadata) usage = chunk.usage_metadata;
    }
    assert.ok(chunks > 0);
    assert.ok(usage && usage.input_tokens > 0 && usage.output_tokens > 0, JSON.stringify(usage));
  });
}

console.log(`${checks.length} checks passed`);
