import { invalidStream, invalidToxicType, toxicAlreadyExists, toxicNotFound } from "./ApiError";
import { type Direction, parseDirection } from "./Direction";
import { asObject, readFloat, readInteger, readString } from "./JsonBody";
import type { Link } from "./Link";
import { Toxic, type ToxicKind } from "./toxics/Toxic";
import { toxicKind } from "./toxics/toxicKinds";

/**
 * A proxy's toxics, one chain per direction in the order they were added, and the links of its
 * open connections, which follow every change at once.
 */
export class ToxicCollection {
  private readonly chains: Record<Direction, Toxic[]> = { upstream: [], downstream: [] };
  private readonly links = new Set<Link>();

  /** Upstream toxics, then downstream ones, as Toxiproxy lists them. */
  list(): Toxic[] {
    return [...this.chains.upstream, ...this.chains.downstream];
  }

  get(name: string): Toxic | undefined {
    return this.list().find((toxic) => toxic.name === name);
  }

  /** Adds a toxic from a request body; the defaults and checks are Toxiproxy's AddToxicJson. */
  create(body: unknown): Toxic {
    const input = asObject(body, "toxics.ToxicWrapper");
    const type = readString(input, "type", "ToxicWrapper") ?? "";
    const stream = readString(input, "stream", "ToxicWrapper") ?? "downstream";
    const toxicity = readFloat(input, "toxicity", "ToxicWrapper") ?? 1;
    const name = readString(input, "name", "ToxicWrapper") || `${type}_${stream}`;
    // Toxiproxy reads the attributes once before it knows the type: anything but an object fails.
    if (input.attributes !== undefined) asObject(input.attributes, "toxics.NoopToxic");
    const direction = parseDirection(stream);
    if (direction === undefined) throw invalidStream();
    const kind = toxicKind(type);
    if (kind === undefined) throw invalidToxicType();
    if (this.get(name) !== undefined) throw toxicAlreadyExists();
    const attributes = decodeAttributes(kind, input.attributes, zeroAttributes(kind));
    const toxic = new Toxic(kind, name, stream, direction, toxicity, attributes);
    this.chains[direction].push(toxic);
    for (const link of this.linksOf(direction)) link.addToxic(toxic);
    return toxic;
  }

  /** Changes attributes and toxicity; fields left out keep their values (name, type, stream never change). */
  update(name: string, body: unknown): Toxic {
    const toxic = this.get(name);
    if (toxic === undefined) throw toxicNotFound();
    const input = asObject(body, "toxics.ToxicWrapper");
    const attributes = decodeAttributes(toxic.kind, input.attributes, toxic.attributes);
    toxic.toxicity = readFloat(input, "toxicity", "ToxicWrapper") ?? toxic.toxicity;
    Object.assign(toxic.attributes, attributes);
    for (const link of this.linksOf(toxic.direction)) link.updateToxic(toxic);
    return toxic;
  }

  remove(name: string): void {
    const toxic = this.get(name);
    if (toxic === undefined) throw toxicNotFound();
    const chain = this.chains[toxic.direction];
    chain.splice(chain.indexOf(toxic), 1);
    for (const link of this.linksOf(toxic.direction)) link.removeToxic(toxic);
  }

  /** Removes every toxic, oldest first. */
  reset(): void {
    for (const toxic of this.list()) this.remove(toxic.name);
  }

  /** Starts a new connection's link with the current chain, and keeps it in step from now on. */
  startLink(link: Link): void {
    this.links.add(link);
    link.start(this.chains[link.direction]);
  }

  removeLink(link: Link): void {
    this.links.delete(link);
  }

  private linksOf(direction: Direction): Link[] {
    return [...this.links].filter((link) => link.direction === direction);
  }
}

function zeroAttributes<K extends string>(kind: ToxicKind<K>): Record<K, number> {
  return Object.fromEntries(kind.attributeNames.map((name) => [name, 0])) as Record<K, number>;
}

/** `current` with the attributes the body sets; unknown attributes are ignored, as Go ignores them. */
function decodeAttributes<K extends string>(
  kind: ToxicKind<K>,
  value: unknown,
  current: Record<K, number>,
): Record<K, number> {
  const decoded = { ...current };
  if (value === undefined || value === null) return decoded;
  const input = asObject(value, `toxics.${kind.type}`);
  for (const name of kind.attributeNames) {
    const attribute = readInteger(input, name, "ToxicWrapper.attributes");
    if (attribute !== undefined) decoded[name] = attribute;
  }
  return decoded;
}
