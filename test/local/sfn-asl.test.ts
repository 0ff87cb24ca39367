import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../../infra/local/sfn/asl.ts';
import {
  applyResultPath,
  applyTemplate,
  evaluateChoiceRule,
  selectPath,
  stringMatches,
} from '../../infra/local/sfn/dataflow.ts';
import { StatesError } from '../../infra/local/sfn/errors.ts';
import { evaluateIntrinsic } from '../../infra/local/sfn/intrinsics.ts';
import {
  type Json,
  type JsonObject,
  pathExists,
  queryPath,
  setPath,
} from '../../infra/local/sfn/jsonpath.ts';

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
    expect(queryPath('$.store.book[-1].title', store, ctx)).toBe('The Lord');
    expect(queryPath("$.store['odd key']['a.b']", store, ctx)).toBe(1);
    expect(queryPath('$.store.book.length()', store, ctx)).toBe(4);
    expect(queryPath('$$.Execution.Name', store, ctx)).toBe('run-1');
    expect(queryPath('$$.Map.Item.Index', store, ctx)).toBe(3);
  });

  it('returns lists for wildcards, slices, unions, recursive descent and filters', () => {
    expect(queryPath('$.store.book[*].author', store, ctx)).toEqual([
      'Nigel Rees',
      'Evelyn Waugh',
      'Herman Melville',
      'J. R. R. Tolkien',
    ]);
    expect(queryPath('$.store.book[0:2].price', store, ctx)).toEqual([8.95, 12.99]);
    expect(queryPath('$.store.book[-2:].title', store, ctx)).toEqual(['Moby Dick', 'The Lord']);
    expect(queryPath('$.store.book[::2].title', store, ctx)).toEqual(['Sayings', 'Moby Dick']);
    expect(queryPath('$.store.book[0,3].title', store, ctx)).toEqual(['Sayings', 'The Lord']);
    expect(queryPath("$.store.bicycle['color','price']", store, ctx)).toEqual(['red', 19.95]);
    expect(queryPath('$..price', store, ctx)).toEqual([8.95, 12.99, 8.99, 22.99, 19.95]);
    expect(queryPath('$.store.book[?(@.isbn)].title', store, ctx)).toEqual(['Moby Dick', 'The Lord']);
    expect(queryPath('$.store.book[?(@.price < 10)].title', store, ctx)).toEqual(['Sayings', 'Moby Dick']);
    expect(
      queryPath(
        "$.store.book[?(@.category == 'fiction' && @.price > 20 || @.author == 'Nigel Rees')].title",
        store,
        ctx,
      ),
    ).toEqual(['Sayings', 'The Lord']);
    expect(queryPath("$.store.book[?(!(@.category == 'fiction'))].title", store, ctx)).toEqual(['Sayings']);
    expect(queryPath('$.store.book[?(@.author =~ /.*Tolkien/)].price', store, ctx)).toEqual([22.99]);
    expect(queryPath('$.store.book[?(@.price > $.store.bicycle.price)].title', store, ctx)).toEqual([
      'The Lord',
    ]);
    expect(queryPath('$.nothing[*]', store, ctx)).toEqual([]);
  });

  it('raises States.Runtime for a definite path that matches nothing', () => {
    expect(statesError(() => queryPath('$.store.car', store, ctx)).error).toBe('States.Runtime');
    expect(statesError(() => queryPath('$.store.book[9]', store, ctx)).error).toBe('States.Runtime');
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
          static: { keep: 'me', 'count.$': 'States.ArrayLength($.items)' },
          list: [{ 'first.$': '$.items[0].n' }, 'plain'],
          'ns.$': '$.items[*].n',
          'run.$': '$$.Execution.Name',
        },
        input,
        ctx,
      ),
    ).toEqual({
      id: 'c-1',
      static: { keep: 'me', count: 2 },
      list: [{ first: 1 }, 'plain'],
      ns: [1, 2],
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
  const input: Json = {
    name: 'Lin',
    n: 4,
    list: [1, 2, 2, 3],
    obj: { a: 1, nested: { x: 1 } },
    text: 'a,b;c',
  };
  const ev = (expr: string) => evaluateIntrinsic(expr, input, ctx);

  it('formats strings with escapes and JSON values', () => {
    expect(ev("States.Format('Hi {}, n={} ok={} none={}', $.name, $.n, true, null)")).toBe(
      'Hi Lin, n=4 ok=true none=null',
    );
    expect(ev("States.Format('literal \\{\\} and {} \\'quoted\\'', $.name)")).toBe(
      "literal {} and Lin 'quoted'",
    );
    expect(ev("States.Format('{}-{}', States.MathAdd($.n, 1), $$.Execution.Name)")).toBe('5-run-1');
    expect(statesError(() => ev("States.Format('{} {}', $.name)")).error).toBe('States.IntrinsicFailure');
  });

  it('converts JSON and builds arrays', () => {
    expect(ev('States.JsonToString($.obj)')).toBe('{"a":1,"nested":{"x":1}}');
    expect(ev('States.StringToJson(\'{"k": [1, "two"]}\')')).toEqual({ k: [1, 'two'] });
    expect(ev("States.Array('a', $.n, States.Array(1))")).toEqual(['a', 4, [1]]);
    expect(ev('States.ArrayPartition($.list, 3)')).toEqual([[1, 2, 2], [3]]);
    expect(ev('States.ArrayContains($.list, 3)')).toBe(true);
    expect(ev('States.ArrayContains($.list, 9)')).toBe(false);
    expect(ev('States.ArrayRange(1, 9, 3)')).toEqual([1, 4, 7]);
    expect(ev('States.ArrayGetItem($.list, 3)')).toBe(3);
    expect(ev('States.ArrayLength($.list)')).toBe(4);
    expect(ev('States.ArrayUnique($.list)')).toEqual([1, 2, 3]);
    expect(statesError(() => ev('States.ArrayGetItem($.list, 10)')).error).toBe('States.IntrinsicFailure');
  });

  it('encodes, hashes, merges, splits and does arithmetic', () => {
    expect(ev("States.Base64Encode('档案 ok')")).toBe(Buffer.from('档案 ok').toString('base64'));
    expect(ev(`States.Base64Decode('${Buffer.from('hello').toString('base64')}')`)).toBe('hello');
    expect(ev("States.Hash('abc', 'SHA-256')")).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(ev('States.JsonMerge($.obj, States.StringToJson(\'{"b":2,"nested":{"y":2}}\'), false)')).toEqual({
      a: 1,
      b: 2,
      nested: { y: 2 },
    });
    expect(ev("States.StringSplit($.text, ',;')")).toEqual(['a', 'b', 'c']);
    expect(ev('States.MathAdd($.n, -10)')).toBe(-6);
    for (let i = 0; i < 20; i++) {
      const r = ev('States.MathRandom(5, 8)') as number;
      expect(r >= 5 && r < 8 && Number.isInteger(r)).toBe(true);
    }
    expect(ev('States.UUID()')).not.toBe(ev('States.UUID()'));
    expect(statesError(() => ev('States.Nope(1)')).error).toBe('States.IntrinsicFailure');
    expect(statesError(() => ev('States.MathAdd($.name, 1)')).error).toBe('States.IntrinsicFailure');
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
  it('accepts nested Map and Parallel definitions and reports dangling transitions inside them', () => {
    const ok = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          Next: 'Par',
        },
        Par: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'S', States: { S: { Type: 'Succeed' } } }],
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
    const assign = { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } };
    expect(() => parseDefinition('vars', JSON.stringify(assign))).toThrow(/A: Assign is not supported/);
  });
});
