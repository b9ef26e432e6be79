/** Properties jest and promises probe on any value; answered as absent rather than thrown. */
const PROBED = new Set([
  'then',
  'asymmetricMatch',
  'toJSON',
  '$$typeof',
  'nodeType',
  'constructor',
]);

/**
 * A port for a unit spec: only the stubbed members exist, and touching any other one throws,
 * so a use case calling something its spec did not expect fails loudly.
 */
export function strictMock<T extends object>(name: string, stubs: Partial<T>): T {
  return new Proxy(stubs as T, {
    get(target, prop, receiver) {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === 'symbol' || PROBED.has(prop)) return undefined;
      throw new Error(`${name}.${prop} is not stubbed`);
    },
  });
}
