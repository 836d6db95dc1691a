import {
  type CollectionTag,
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseDocument,
  type ScalarTag,
} from "yaml";

/** A template value once YAML is read: plain JSON, intrinsic functions in their long form. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Short-form tag -> long-form key, as CloudFormation defines them. */
export const SHORT_FORMS: Readonly<Record<string, string>> = {
  "!Ref": "Ref",
  "!Condition": "Condition",
  "!GetAtt": "Fn::GetAtt",
  "!Sub": "Fn::Sub",
  "!If": "Fn::If",
  "!Equals": "Fn::Equals",
  "!Select": "Fn::Select",
  "!GetAZs": "Fn::GetAZs",
  "!Join": "Fn::Join",
  "!Not": "Fn::Not",
  "!And": "Fn::And",
  "!Or": "Fn::Or",
  "!Base64": "Fn::Base64",
  "!FindInMap": "Fn::FindInMap",
  "!Split": "Fn::Split",
  "!ImportValue": "Fn::ImportValue",
  "!Cidr": "Fn::Cidr",
  "!Transform": "Fn::Transform",
  "!Length": "Fn::Length",
  "!ToJsonString": "Fn::ToJsonString",
};

// Each tag is declared for scalars, sequences and maps and left unresolved here, so that `toJson`
// sees the tag on the node and can wrap whatever form the author chose.
const CUSTOM_TAGS = Object.keys(SHORT_FORMS).flatMap((tag): (ScalarTag | CollectionTag)[] => [
  { tag, resolve: (value) => value },
  { tag, collection: "seq", resolve: (value) => value },
  { tag, collection: "map", resolve: (value) => value },
]);

export interface ParsedTemplate {
  /** The template as JSON, or undefined when the text is not a YAML/JSON mapping. */
  template: JsonObject | undefined;
  /** YAML syntax errors and warnings, as sentences. */
  errors: string[];
}

/** Reads a CloudFormation template written in YAML (or JSON, a subset of YAML). */
export function parseTemplate(text: string): ParsedTemplate {
  const doc = parseDocument(text, { customTags: CUSTOM_TAGS, prettyErrors: false });
  const errors = [...doc.errors, ...doc.warnings].map((e) => e.message);
  if (doc.errors.length > 0) return { template: undefined, errors };
  const template = toJson(doc.contents, doc);
  if (template === null || typeof template !== "object" || Array.isArray(template)) {
    return { template: undefined, errors: [...errors, "the template is not a mapping"] };
  }
  return { template, errors };
}

function toJson(node: unknown, doc: Document): Json {
  if (isAlias(node)) return toJson(node.resolve(doc), doc);
  let value: Json;
  if (isScalar(node)) {
    value = scalarValue(node.value);
  } else if (isSeq(node)) {
    value = node.items.map((item) => toJson(item, doc));
  } else if (isMap(node)) {
    const object: JsonObject = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      object[key] = toJson(pair.value, doc);
    }
    value = object;
  } else {
    return null;
  }
  const tag = (node as Node).tag;
  const longForm = tag === undefined ? undefined : SHORT_FORMS[tag];
  if (longForm === undefined) return value;
  if (longForm === "Fn::GetAtt" && typeof value === "string") {
    // `!GetAtt Res.Attr.Sub` splits at the first dot only: attribute names may contain dots.
    const dot = value.indexOf(".");
    return { [longForm]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [longForm]: value };
}

function scalarValue(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value;
  }
  return String(value);
}
