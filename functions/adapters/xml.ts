/**
 * Minimal XML support for the S3 REST API, both ends of it: a tolerant parser (the functions'
 * S3 client reads S3's answers and errors with it, the local S3 its request bodies) and a
 * builder (the client's request bodies: Tagging, Retention, LegalHold, CompleteMultipartUpload;
 * the local S3's responses).
 */

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export class XmlParseError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ent: string) => {
    if (ent.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ent.slice(2), 16));
    if (ent.startsWith('#')) return String.fromCodePoint(Number.parseInt(ent.slice(1), 10));
    return ENTITIES[ent] ?? whole;
  });
}

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i >= 0 ? qname.slice(i + 1) : qname;
}

/** Parses a document and returns its root element. Namespace prefixes are dropped. */
export function parseXml(input: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const src = input.replace(/^\uFEFF/, '');
  while (pos < src.length) {
    const lt = src.indexOf('<', pos);
    if (lt < 0) {
      if (src.slice(pos).trim() !== '') throw new XmlParseError('text outside root element');
      break;
    }
    const text = src.slice(pos, lt);
    const top = stack[stack.length - 1];
    if (top) top.text += decodeEntities(text);
    else if (text.trim() !== '') throw new XmlParseError('text outside root element');
    if (src.startsWith('<?', lt)) {
      const end = src.indexOf('?>', lt);
      if (end < 0) throw new XmlParseError('unterminated processing instruction');
      pos = end + 2;
    } else if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt);
      if (end < 0) throw new XmlParseError('unterminated comment');
      pos = end + 3;
    } else if (src.startsWith('<![CDATA[', lt)) {
      const end = src.indexOf(']]>', lt);
      if (end < 0 || !top) throw new XmlParseError('bad CDATA section');
      top.text += src.slice(lt + 9, end);
      pos = end + 3;
    } else if (src.startsWith('<!', lt)) {
      const end = src.indexOf('>', lt);
      if (end < 0) throw new XmlParseError('unterminated declaration');
      pos = end + 1;
    } else if (src.startsWith('</', lt)) {
      const end = src.indexOf('>', lt);
      if (end < 0) throw new XmlParseError('unterminated end tag');
      const name = localName(src.slice(lt + 2, end).trim());
      const open = stack.pop();
      if (!open || open.name !== name) throw new XmlParseError(`mismatched end tag ${name}`);
      pos = end + 1;
    } else {
      const end = src.indexOf('>', lt);
      if (end < 0) throw new XmlParseError('unterminated start tag');
      let body = src.slice(lt + 1, end);
      const selfClosing = body.endsWith('/');
      if (selfClosing) body = body.slice(0, -1);
      const nameMatch = /^\s*([^\s/>]+)/.exec(body);
      if (!nameMatch?.[1]) throw new XmlParseError('bad start tag');
      const el: XmlElement = { name: localName(nameMatch[1]), children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new XmlParseError('multiple root elements');
      else root = el;
      if (!selfClosing) stack.push(el);
      pos = end + 1;
    }
  }
  if (stack.length > 0 || !root) throw new XmlParseError('incomplete document');
  return root;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  return c ? c.text.trim() : undefined;
}

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** A node in a response document: `[name, children | text]`; undefined children are skipped. */
export type XmlNode = [string, XmlNode[] | string | number | boolean] | undefined | null | false;

export function renderXml(name: string, content: XmlNode[], withNamespace = true): string {
  const ns = withNamespace ? ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${name}${ns}>${renderNodes(content)}</${name}>`;
}

function renderNodes(nodes: XmlNode[]): string {
  let out = '';
  for (const node of nodes) {
    if (!node) continue;
    const [name, value] = node;
    if (Array.isArray(value)) out += `<${name}>${renderNodes(value)}</${name}>`;
    else out += `<${name}>${escapeXml(String(value))}</${name}>`;
  }
  return out;
}
