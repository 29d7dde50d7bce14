// wasi:config/store@0.2.0-draft for jco's reference host: the fixed
// configuration expectations.json's config cases are written against. jco
// lowers `undefined` to option::none and a thrown error to result::err.
const values = new Map([
  ['greeting', 'hello from config'],
  ['mode', 'test'],
  ['unicode', 'gr\u00fc\u00dfe \u2713'],
]);

export function get(key) {
  return values.get(key);
}

export function getAll() {
  return [...values];
}
