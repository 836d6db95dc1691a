import { expect } from "chai";

/**
 * Checks that the markup is well formed: every tag closes in order, attributes are quoted, and
 * no raw `<` or `&` appears in text. Returns the element names in document order.
 */
export function wellFormed(svg: string): string[] {
  const names: string[] = [];
  const open: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let at = 0;
  while (at < svg.length) {
    const lt = svg.indexOf("<", at);
    const textPart = svg.slice(at, lt === -1 ? svg.length : lt);
    expect(textPart, "text has no raw &").to.not.match(/&(?!(amp|lt|gt|quot|apos);)/);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    expect(m, `a well-formed tag at ${lt}: ${svg.slice(lt, lt + 60)}`).to.not.equal(null);
    const [whole, closing, name, , selfClosing] = m as RegExpExecArray;
    if (closing) expect(open.pop(), `closing </${name}>`).to.equal(name);
    else {
      names.push(name as string);
      if (!selfClosing) open.push(name as string);
    }
    at = lt + whole.length;
  }
  expect(open, "unclosed elements").to.deep.equal([]);
  return names;
}
