import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../infra/local/sfn/asl.ts';
import { applyResultPath, applyTemplate, selectPath } from '../../infra/local/sfn/dataflow.ts';
import { matchesError, StatesError } from '../../infra/local/sfn/errors.ts';
import { evaluateIntrinsic } from '../../infra/local/sfn/intrinsics.ts';
import {
  type Json,
  type JsonObject,
  pathExists,
  queryPath,
  setPath,
} from '../../infra/local/sfn/jsonpath.ts';
import { evaluateChoiceRule, stringMatches } from '../../infra/local/sfn/states/choice.ts';

const store: Json = {
  store: {
    book: [
      { category: 'reference', author: 'Nigel Rees', title: 'Sayings', price: 8.95 },
      { category: 'fiction', author: 'Evelyn Waugh', title: 'Sword', price: 12.99 },
      { category: 'fiction', author: 'Herman Melville', title: 'Moby Dick', isbn: '0-553', price: 8.99 },
      { category: 'fiction', author: 'J. R. R. Tolkien', title: 'The Lord', isbn: '0-395', price: 22.99 },
    ],
    bicycle: { color: 'red', price: 19.95 },
    'odd key': { 'a.b': 1 },
  },
};
const ctx: Json = { Execution: { Name: 'run-1' }, Map: { Item: { Index: 3 } } };

function statesError(fn: () => unknown): StatesError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatesError) return e;
    throw e;
  }
  throw new Error('expected a StatesError');
}

describe('JSONPath', () => {
  it('evaluates reference paths', () => {
    expect(queryPath('$', store, ctx)).toBe(store);
    expect(queryPath('$.store.bicycle.color', store, ctx)).toBe('red');
    expect(queryPath('$.store.book[1].title', store, ctx)).toBe('Sword');
    expect(queryPath("$.store['odd key']['a.b']", store, ctx)).toBe(1);
    expect(queryPath('$$.Execution.Name', store, ctx)).toBe('run-1');
    expect(queryPath('$$.Map.Item.Index', store, ctx)).toBe(3);
  });

  it('refuses wildcards, slices, unions, recursive descent, filters and functions, naming them', () => {
    const refused = (p: string) => statesError(() => queryPath(p, store, ctx)).causeText;
    expect(refused('$.store.book[*].author')).toMatch(/wildcards not supported/);
    expect(refused('$.store.*')).toMatch(/wildcards not supported/);
    expect(refused('$.store.book[0:2].price')).toMatch(/'\[0:2\]' is not supported/);
    expect(refused('$.store.book[0,3].title')).toMatch(/'\[0,3\]' is not supported/);
    expect(refused('$.store.book[-1].title')).toMatch(/'\[-1\]' is not supported/);
    expect(refused('$..price')).toMatch(/recursive descent \(\.\.\) not supported/);
    expect(refused('$.store.book[?(@.isbn)].title')).toMatch(/filter expressions not supported/);
    expect(refused('$.store.book.length()')).toMatch(/length\(\) not supported/);
  });

  it('raises States.Runtime for a definite path that matches nothing', () => {
    expect(statesError(() => queryPath('$.store.car', store, ctx)).error).toBe('States.Runtime');
    expect(statesError(() => queryPath('$.store.book[9]', store, ctx)).error).toBe('States.Runtime');
    expect(queryPath('$.store.book[3].title', store, ctx)).toBe('The Lord');
    expect(statesError(() => queryPath('store', store, ctx)).error).toBe('States.Runtime');
    expect(pathExists('$.store.car', store, ctx)).toBe(false);
    expect(pathExists('$.store.bicycle', store, ctx)).toBe(true);
  });

  it('sets ResultPath values without mutating the input', () => {
    const input: Json = { a: { b: 1 } };
    expect(setPath(input, '$.a.c', 2)).toEqual({ a: { b: 1, c: 2 } });
    expect(setPath(input, '$.x.y.z', true)).toEqual({ a: { b: 1 }, x: { y: { z: true } } });
    expect(setPath(input, '$', 'all')).toBe('all');
    expect(input).toEqual({ a: { b: 1 } });
    expect(statesError(() => setPath({ a: 'text' }, '$.a.b', 1)).error).toBe('States.Runtime');
    expect(statesError(() => setPath([1], '$.a', 1)).error).toBe('States.Runtime');
  });
});

describe('input and output processing', () => {
  it('applies nested payload templates including arrays of objects', () => {
    const input: Json = { id: 'c-1', items: [{ n: 1 }, { n: 2 }] };
    expect(
      applyTemplate(
        {
          'id.$': '$.id',
          static: { keep: 'me', 'ids.$': 'States.Array($.id, $.items[1].n)' },
          list: [{ 'first.$': '$.items[0].n' }, 'plain'],
          'run.$': '$$.Execution.Name',
        },
        input,
        ctx,
      ),
    ).toEqual({
      id: 'c-1',
      static: { keep: 'me', ids: ['c-1', 2] },
      list: [{ first: 1 }, 'plain'],
      run: 'run-1',
    });
    expect(statesError(() => applyTemplate({ 'x.$': 'not a path' }, input, ctx)).error).toBe(
      'States.Runtime',
    );
  });

  it('treats null InputPath/OutputPath as {} and null ResultPath as discarding the result', () => {
    expect(selectPath(null, { a: 1 }, ctx)).toEqual({});
    expect(selectPath(undefined, { a: 1 }, ctx)).toEqual({ a: 1 });
    expect(applyResultPath(null, { a: 1 }, { r: 2 })).toEqual({ a: 1 });
    expect(applyResultPath(undefined, { a: 1 }, { r: 2 })).toEqual({ r: 2 });
    expect(applyResultPath('$.r', { a: 1 }, 2)).toEqual({ a: 1, r: 2 });
  });
});

describe('intrinsic functions', () => {
  const input: Json = { name: 'Lin', n: 4, obj: { a: 1 }, text: '{"k": [1, "two"]}', half: 2.5, neg: -2.5 };
  const ev = (expr: string) => evaluateIntrinsic(expr, input, ctx);
  const runtime = (expr: string) => statesError(() => ev(expr));

  it('formats strings with escapes and JSON values', () => {
    expect(ev("States.Format('Hi {}, n={} ok={} none={}', $.name, $.n, true, null)")).toBe(
      'Hi Lin, n=4 ok=true none=null',
    );
    expect(ev("States.Format('literal \\{\\} and {} \\'quoted\\'', $.name)")).toBe(
      "literal {} and Lin 'quoted'",
    );
    expect(ev("States.Format('{}-{}', States.MathAdd($.n, 1), $$.Execution.Name)")).toBe('5-run-1');
  });

  it('parses JSON and builds arrays', () => {
    expect(ev('States.StringToJson($.text)')).toEqual({ k: [1, 'two'] });
    expect(ev("States.Array('a', $.n, States.Array(1), $.obj)")).toEqual(['a', 4, [1], { a: 1 }]);
    expect(ev('States.Array()')).toEqual([]);
  });

  it('adds with MathAdd, rounding non-integers to the nearest integer as AWS does', () => {
    expect(ev('States.MathAdd($.n, -10)')).toBe(-6);
    expect(ev('States.MathAdd(1.6, 1)')).toBe(3); // truncation would give 2
    expect(ev('States.MathAdd($.half, 0)')).toBe(3); // halves round up
    expect(ev('States.MathAdd($.neg, 0)')).toBe(-2); // Java's Math.round: -2.5 → -2
    expect(ev('States.MathAdd(-1.4, 0.4)')).toBe(-1);
  });

  it('fails with States.Runtime (not a catchable States.IntrinsicFailure) when a function fails', () => {
    for (const expr of [
      "States.Format('{} {}', $.name)",
      "States.Format('{}', $.obj)",
      "States.StringToJson('not json')",
      'States.StringToJson($.n)',
      'States.MathAdd($.name, 1)',
      'States.MathAdd($.missing, 1)',
    ]) {
      expect(runtime(expr).error, expr).toBe('States.Runtime');
    }
  });

  it('refuses functions the local Step Functions does not implement and wrong argument counts', () => {
    for (const name of [
      'JsonToString',
      'ArrayLength',
      'ArrayGetItem',
      'JsonMerge',
      'Hash',
      'UUID',
      'MathRandom',
    ]) {
      expect(runtime(`States.${name}($.obj)`).causeText).toMatch(
        new RegExp(`States\\.${name} is not supported by the local Step Functions`),
      );
    }
    expect(runtime('States.MathAdd(1)').causeText).toMatch(/States\.MathAdd takes 2 argument\(s\), got 1/);
    expect(runtime('States.StringToJson()').causeText).toMatch(/takes 1 argument/);
  });
});

describe('error matching', () => {
  it('never matches States.Runtime, not even by name', () => {
    expect(matchesError(['States.ALL'], 'States.Runtime')).toBe(false);
    expect(matchesError(['States.Runtime'], 'States.Runtime')).toBe(false);
  });

  it('matches States.DataLimitExceeded only by name, not by States.ALL or States.TaskFailed', () => {
    expect(matchesError(['States.ALL'], 'States.DataLimitExceeded')).toBe(false);
    expect(matchesError(['States.TaskFailed'], 'States.DataLimitExceeded')).toBe(false);
    expect(matchesError(['States.DataLimitExceeded'], 'States.DataLimitExceeded')).toBe(true);
  });

  it('matches States.HeartbeatTimeout by name, by States.Timeout and by States.ALL, not by States.TaskFailed', () => {
    expect(matchesError(['States.HeartbeatTimeout'], 'States.HeartbeatTimeout')).toBe(true);
    expect(matchesError(['States.Timeout'], 'States.HeartbeatTimeout')).toBe(true);
    expect(matchesError(['States.ALL'], 'States.HeartbeatTimeout')).toBe(true);
    expect(matchesError(['States.TaskFailed'], 'States.HeartbeatTimeout')).toBe(false);
    expect(matchesError(['States.HeartbeatTimeout'], 'States.Timeout')).toBe(false);
  });

  it('matches other errors by name, States.TaskFailed and States.ALL', () => {
    expect(matchesError(['States.TaskFailed'], 'ReviewRejected')).toBe(true);
    expect(matchesError(['States.TaskFailed'], 'States.Timeout')).toBe(false);
    expect(matchesError(['Other'], 'ReviewRejected')).toBe(false);
  });
});

describe('Choice rules', () => {
  const input: Json = {
    s: 'beta',
    n: 5,
    b: true,
    t: '2030-05-01T10:00:00Z',
    t2: '2030-05-01T12:00:00+01:00',
    nil: null,
    other: { s: 'alpha', n: 5, b: true },
  };
  const is = (rule: JsonObject) => evaluateChoiceRule(rule, input, ctx);

  it('compares strings, numbers, booleans and timestamps, with literal or path operands', () => {
    expect(is({ Variable: '$.s', StringEquals: 'beta' })).toBe(true);
    expect(is({ Variable: '$.s', StringLessThan: 'gamma' })).toBe(true);
    expect(is({ Variable: '$.s', StringGreaterThanEqualsPath: '$.other.s' })).toBe(true);
    expect(is({ Variable: '$.s', StringLessThanEqualsPath: '$.other.s' })).toBe(false);
    expect(is({ Variable: '$.n', NumericEquals: 5 })).toBe(true);
    expect(is({ Variable: '$.n', NumericGreaterThan: 5 })).toBe(false);
    expect(is({ Variable: '$.n', NumericLessThanEqualsPath: '$.other.n' })).toBe(true);
    expect(is({ Variable: '$.s', NumericEquals: 5 })).toBe(false); // type mismatch is simply false
    expect(is({ Variable: '$.b', BooleanEquals: true })).toBe(true);
    expect(is({ Variable: '$.b', BooleanEqualsPath: '$.other.b' })).toBe(true);
    expect(is({ Variable: '$.t', TimestampLessThan: '2030-05-01T10:00:01Z' })).toBe(true);
    expect(is({ Variable: '$.t', TimestampGreaterThanPath: '$.t2' })).toBe(false);
    expect(is({ Variable: '$.t', TimestampEqualsPath: '$.t2' })).toBe(false);
    expect(is({ Variable: '$.t2', TimestampEquals: '2030-05-01T11:00:00Z' })).toBe(true);
  });

  it('tests types and presence', () => {
    expect(is({ Variable: '$.nil', IsNull: true })).toBe(true);
    expect(is({ Variable: '$.s', IsNull: false })).toBe(true);
    expect(is({ Variable: '$.missing', IsPresent: false })).toBe(true);
    expect(is({ Variable: '$.nil', IsPresent: true })).toBe(true);
    expect(is({ Variable: '$.n', IsNumeric: true })).toBe(true);
    expect(is({ Variable: '$.s', IsString: true })).toBe(true);
    expect(is({ Variable: '$.b', IsBoolean: true })).toBe(true);
    expect(is({ Variable: '$.t', IsTimestamp: true })).toBe(true);
    expect(is({ Variable: '$.s', IsTimestamp: true })).toBe(false);
  });

  it('combines rules with And, Or and Not', () => {
    expect(
      is({
        And: [
          { Variable: '$.n', NumericGreaterThanEquals: 5 },
          {
            Or: [{ Variable: '$.s', StringEquals: 'x' }, { Not: { Variable: '$.b', BooleanEquals: false } }],
          },
        ],
      }),
    ).toBe(true);
    expect(
      is({
        Or: [
          { Variable: '$.n', NumericLessThan: 0 },
          { Variable: '$.s', StringEquals: 'x' },
        ],
      }),
    ).toBe(false);
  });

  it('raises States.Runtime when the variable is missing', () => {
    expect(statesError(() => is({ Variable: '$.missing', StringEquals: 'x' })).error).toBe('States.Runtime');
  });

  it('matches StringMatches wildcards and escapes', () => {
    expect(stringMatches('log-2024.txt', 'log-*.txt')).toBe(true);
    expect(stringMatches('log-2024.txt', '*.pdf')).toBe(false);
    expect(stringMatches('a*b', 'a\\*b')).toBe(true);
    expect(stringMatches('axb', 'a\\*b')).toBe(false);
    expect(stringMatches('back\\slash', 'back\\\\slash')).toBe(true);
    expect(stringMatches('', '*')).toBe(true);
  });
});

describe('definition checks', () => {
  const machine = (states: object) => JSON.stringify({ StartAt: Object.keys(states)[0], States: states });
  const problems = (states: object) => {
    try {
      parseDefinition('m', machine(states));
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };

  it('accepts nested Map definitions and reports dangling transitions inside them', () => {
    const ok = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    };
    expect(parseDefinition('ok', JSON.stringify(ok)).StartAt).toBe('M');
    const bad = structuredClone(ok) as { States: { M: { ItemProcessor: { States: { P: object } } } } };
    bad.States.M.ItemProcessor.States.P = { Type: 'Pass', Next: 'Gone' };
    expect(() => parseDefinition('bad', JSON.stringify(bad))).toThrow(/M\/P: Next 'Gone'/);
    expect(() => parseDefinition('json', '{')).toThrow(/not valid JSON/);
    expect(() => parseDefinition('ql', JSON.stringify({ ...ok, QueryLanguage: 'JSONata' }))).toThrow(
      /JSONata is not supported/,
    );
  });

  it('refuses state types, fields and Task resources the local Step Functions does not implement', () => {
    expect(problems({ P: { Type: 'Parallel', Branches: [], End: true } })).toMatch(
      /P: Type 'Parallel' is not supported by the local Step Functions/,
    );
    expect(problems({ A: { Type: 'Pass', Assign: { x: 1 }, End: true } })).toMatch(
      /A: Assign is not supported/,
    );
    expect(problems({ F: { Type: 'Fail', ErrorPath: '$.e' } })).toMatch(/F: ErrorPath is not supported/);
    expect(
      problems({
        M: { Type: 'Map', Iterator: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true },
      }),
    ).toMatch(/M: Iterator is not supported[\s\S]*M: Map needs an ItemProcessor/);
    expect(
      problems({
        M: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED' },
            StartAt: 'P',
            States: { P: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      }),
    ).toMatch(/M: ProcessorConfig.Mode DISTRIBUTED is not supported/);
    expect(
      problems({ T: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } }),
    ).toMatch(/T: Task resource 'arn:aws:states:::sqs:sendMessage' is not supported locally/);
    expect(problems({ T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } })).toMatch(
      /T: Parameters.FunctionName is required/,
    );
    expect(
      problems({ W: { Type: 'Wait', Seconds: 1, Timestamp: '2030-01-01T00:00:00Z', End: true } }),
    ).toMatch(/W: a Wait state needs exactly one of/);
  });

  it('refuses unsupported intrinsic functions, paths and Choice operators at load time', () => {
    expect(problems({ P: { Type: 'Pass', Parameters: { 'id.$': 'States.UUID()' }, End: true } })).toMatch(
      /P.Parameters.id.\$: Invalid intrinsic function 'States.UUID\(\)': States.UUID is not supported/,
    );
    expect(
      problems({ P: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($..n, 1)' }, End: true } }),
    ).toMatch(/recursive descent/);
    expect(problems({ P: { Type: 'Pass', Parameters: { 'x.$': '$.items[*].n' }, End: true } })).toMatch(
      /P.Parameters.x.\$: Invalid JSONPath '\$.items\[\*\].n': wildcards not supported/,
    );
    expect(problems({ P: { Type: 'Pass', Parameters: { 'x.$': 'plain' }, End: true } })).toMatch(
      /must be a JSONPath or an intrinsic function/,
    );
    expect(problems({ P: { Type: 'Pass', OutputPath: '$..x', End: true } })).toMatch(
      /P.OutputPath: Invalid JSONPath/,
    );
    expect(
      problems({
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringContains: 'a', Next: 'D' }] },
        D: { Type: 'Succeed' },
      }),
    ).toMatch(/C: Choice operator StringContains is not supported/);
    expect(
      problems({
        C: { Type: 'Choice', Choices: [{ Variable: '$[?(@.x)]', IsPresent: true, Next: 'D' }] },
        D: { Type: 'Succeed' },
      }),
    ).toMatch(/C: Invalid JSONPath/);
  });

  it('accepts every workflow in statemachines/', () => {
    const dir = path.join(import.meta.dirname, '../../statemachines');
    const files = readdirSync(dir).filter((f) => f.endsWith('.asl.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const text = readFileSync(path.join(dir, f), 'utf8').replaceAll(
        /\$\{(\w+)\}/g,
        'arn:aws:lambda:eu-west-1:123456789012:function:$1',
      );
      expect(() => parseDefinition(f, text), f).not.toThrow();
    }
  });
});
