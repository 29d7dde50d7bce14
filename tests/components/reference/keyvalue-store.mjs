// wasi:keyvalue/store@0.2.0-draft for jco's reference host: in-memory buckets
// that live as long as the `jco serve` process. jco lowers a returned Bucket
// to an own<bucket> handle, `undefined` to option::none, and a thrown error to
// result::err.
const buckets = new Map();

export class Bucket {
  #entries;

  constructor(entries) {
    this.#entries = entries;
  }

  get(key) {
    const value = this.#entries.get(key);
    return value === undefined ? undefined : value.slice();
  }

  set(key, value) {
    this.#entries.set(key, Uint8Array.from(value));
  }

  delete(key) {
    this.#entries.delete(key);
  }

  exists(key) {
    return this.#entries.has(key);
  }

  listKeys(_cursor) {
    return { keys: [...this.#entries.keys()], cursor: undefined };
  }
}

export function open(identifier) {
  let entries = buckets.get(identifier);
  if (!entries) {
    entries = new Map();
    buckets.set(identifier, entries);
  }
  return new Bucket(entries);
}
