// Checks an audit trail in the browser with Web Crypto, trusting nothing the server says about it: each entry's bytes
// against its leaf hash (RFC 9162: SHA-256 of 0x00 and the data), its inclusion proof against the signed root, and the
// checkpoint's ECDSA P-256 signature against the published key, whose id is recomputed here from the key itself.

export interface SignedCheckpoint {
  treeSize: number;
  rootHash: string;
  note: string;
  signature: string;
  keyId: string;
}

export interface PublishedKey {
  keyId: string;
  spki: string;
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const length = parts.reduce((sum, p) => sum + p.length, 0);
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export const leafHash = (data: Uint8Array): Promise<Uint8Array> => sha256(LEAF, data);
const nodeHash = (left: Uint8Array, right: Uint8Array): Promise<Uint8Array> => sha256(NODE, left, right);

/** RFC 9162's right shift of both indexes past the levels where fn's bit is 0 (after a left-side combine). */
function skipRight(fn: number, sn: number): [number, number] {
  do {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  } while (fn % 2 === 0 && fn !== 0);
  return [fn, sn];
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** RFC 9162 2.1.3.2: does the proof lead from leaf `index` of a tree of `treeSize` leaves to `root`? */
export async function verifyInclusion(index: number, treeSize: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (index < 0 || index >= treeSize || leaf.length !== 32 || root.length !== 32) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32 || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) [fn, sn] = skipRight(fn, sn);
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** RFC 9162 2.1.4.2: does the tree of `size2` with `root2` extend the tree of `size1` with `root1`? */
export async function verifyConsistency(size1: number, size2: number, root1: Uint8Array, root2: Uint8Array, proof: Uint8Array[]): Promise<boolean> {
  if (size1 < 0 || size2 < size1 || root1.length !== 32 || root2.length !== 32 || proof.some((p) => p.length !== 32)) return false;
  if (size1 === size2) return proof.length === 0 && equal(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = [...proof];
  if ((size1 & (size1 - 1)) === 0) path.unshift(root1);
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (fn % 2 === 0) [fn, sn] = skipRight(fn, sn);
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, root1) && equal(sr, root2);
}

/** Why a checkpoint fails, as a key of the message catalogues. */
export type CheckpointProblem = 'audit.noteMismatch' | 'audit.badSignature' | 'audit.unknownKey';

/** Null when the checkpoint is signed by the key it names (recomputed from the key) and its note says what it claims; else why not. */
export async function checkCheckpoint(checkpoint: SignedCheckpoint, keys: PublishedKey[]): Promise<CheckpointProblem | null> {
  const lines = checkpoint.note.split('\n');
  if (lines.length !== 5 || lines[0] !== 'liaisonnet-audit/v1' || lines[1] !== String(checkpoint.treeSize) || lines[2] !== checkpoint.rootHash) {
    return 'audit.noteMismatch';
  }
  for (const key of keys) {
    const spki = fromBase64(key.spki);
    const id = toHex((await sha256(spki)).slice(0, 8));
    if (id !== checkpoint.keyId) continue;
    const publicKey = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const valid = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, fromBase64(checkpoint.signature), new TextEncoder().encode(checkpoint.note));
    return valid ? null : 'audit.badSignature';
  }
  return 'audit.unknownKey';
}

export interface DecodedEvent {
  eventId: string;
  occurredAt: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  contentHash: string;
  agencies: string[];
  source: string;
  related: string[];
}

/** Decodes the logged bytes of an AuditEvent (protobuf), so that what is shown is what was hashed, not the server's retelling. */
export function decodeEvent(data: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { eventId: '', occurredAt: '', actor: '', action: '', objectType: '', objectId: '', contentHash: '', agencies: [], source: '', related: [] };
  let position = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (position >= data.length) throw new Error('truncated');
      const byte = data[position++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  const text = new TextDecoder('utf-8', { fatal: true });
  while (position < data.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      varint();
      continue;
    }
    if (wire !== 2) throw new Error(`unexpected wire type ${wire}`);
    const length = varint();
    const bytes = data.subarray(position, position + length);
    position += length;
    switch (field) {
      case 1: event.eventId = text.decode(bytes); break;
      case 2: event.occurredAt = decodeTimestamp(bytes); break;
      case 3: event.actor = text.decode(bytes); break;
      case 4: event.action = text.decode(bytes); break;
      case 5: event.objectType = text.decode(bytes); break;
      case 6: event.objectId = text.decode(bytes); break;
      case 7: event.contentHash = toHex(bytes); break;
      case 8: event.agencies.push(text.decode(bytes)); break;
      case 9: event.source = text.decode(bytes); break;
      case 10: event.related.push(text.decode(bytes)); break;
    }
  }
  return event;
}

function decodeTimestamp(bytes: Uint8Array): string {
  let seconds = 0;
  let nanos = 0;
  let position = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[position++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (position < bytes.length) {
    const tag = varint();
    if (tag === 8) seconds = varint();
    else if (tag === 16) nanos = varint();
    else break;
  }
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
}
