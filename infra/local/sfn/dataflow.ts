/**
 * Input and output processing of ASL states (JSONPath query language): InputPath, Parameters /
 * ItemSelector / ResultSelector payload templates, ResultPath and OutputPath, and timestamps.
 */
import { runtimeError } from './errors.ts';
import { evaluateIntrinsic, isIntrinsic } from './intrinsics.ts';
import { isObject, type Json, type JsonObject, queryPath, setPath } from './jsonpath.ts';

/** Resolves a `.$` field value: a path (`$...` / `$$...`) or an intrinsic function call. */
export function resolveDynamic(expr: string, input: Json, context: Json): Json {
  const e = expr.trim();
  if (e.startsWith('$')) return queryPath(e, input, context);
  if (isIntrinsic(e)) return evaluateIntrinsic(e, input, context);
  throw runtimeError(`'${expr}' is neither a JSONPath nor an intrinsic function`);
}

/** Applies a payload template (Parameters, ItemSelector, ResultSelector). */
export function applyTemplate(template: Json, input: Json, context: Json): Json {
  if (Array.isArray(template)) return template.map((t) => applyTemplate(t, input, context));
  if (!isObject(template)) return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') {
        throw runtimeError(`The value of field '${key}' must be a JSONPath or an intrinsic function`);
      }
      out[key.slice(0, -2)] = resolveDynamic(value, input, context);
    } else {
      out[key] = applyTemplate(value, input, context);
    }
  }
  return out;
}

/** InputPath / OutputPath: undefined means `$`, null means `{}`. */
export function selectPath(path: string | null | undefined, data: Json, context: Json): Json {
  if (path === undefined) return data;
  if (path === null) return {};
  return queryPath(path, data, context);
}

/** ResultPath: undefined means `$` (the result replaces the input), null discards the result. */
export function applyResultPath(resultPath: string | null | undefined, rawInput: Json, result: Json): Json {
  if (resultPath === undefined) return result;
  if (resultPath === null) return rawInput;
  return setPath(rawInput, resultPath, result);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of an RFC 3339 timestamp string, or undefined. */
export function parseTimestamp(v: Json | undefined): number | undefined {
  if (typeof v !== 'string' || !RFC3339.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
