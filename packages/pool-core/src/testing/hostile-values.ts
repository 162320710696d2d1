/**
 * Values built to break serialization: getters, proxy traps and toString methods that throw, and
 * errors whose own reading throws again. Fixtures of the conformance suite (error-detail.suite.ts)
 * and of pool-core's unit tests.
 */

export type HostileKind =
  | 'prop-getter'
  | 'nested-getter'
  | 'message-getter'
  | 'name-getter'
  | 'stack-getter'
  | 'cause-getter'
  | 'proxy'
  | 'trapping-proxy'
  | 'revoked-proxy'
  | 'throwing-toString'
  | 'symbol-in-object';

/** An error whose reading throws, and whose own error's reading throws again. */
function unreadable(label: string): Error {
  const error = new Error(label);
  Object.defineProperty(error, 'message', {
    get() {
      throw error;
    },
  });
  Object.defineProperty(error, 'name', {
    get() {
      throw error;
    },
  });
  return error;
}

function throwingGetter(target: object, key: string, thrown: () => unknown): void {
  Object.defineProperty(target, key, {
    enumerable: true,
    get() {
      throw thrown();
    },
  });
}

/** Values whose serialization runs user code that throws (getters, proxy traps, toString). */
export function hostileThrown(kind: HostileKind): unknown {
  const error = new Error(`hostile ${kind}`);
  switch (kind) {
    case 'prop-getter':
      throwingGetter(error, 'detail', () => new Error('getter error'));
      return error;
    case 'nested-getter':
      throwingGetter(error, 'detail', () => unreadable('inner'));
      return error;
    case 'message-getter':
      throwingGetter(error, 'message', () => unreadable('message getter'));
      return error;
    case 'name-getter':
      throwingGetter(error, 'name', () => unreadable('name getter'));
      return error;
    case 'stack-getter':
      throwingGetter(error, 'stack', () => unreadable('stack getter'));
      return error;
    case 'cause-getter':
      throwingGetter(error, 'cause', () => unreadable('cause getter'));
      return error;
    case 'proxy':
      return new Proxy(error, {});
    case 'trapping-proxy':
      return new Proxy(error, {
        get() {
          throw unreadable('get trap');
        },
        ownKeys() {
          throw unreadable('ownKeys trap');
        },
        getOwnPropertyDescriptor() {
          throw unreadable('descriptor trap');
        },
        has() {
          throw unreadable('has trap');
        },
      });
    case 'revoked-proxy': {
      const { proxy, revoke } = Proxy.revocable(error, {});
      revoke();
      return proxy;
    }
    case 'throwing-toString':
      return {
        code: 7,
        toString() {
          throw unreadable('toString');
        },
      };
    case 'symbol-in-object':
      return { s: Symbol('tag'), k: 1 };
  }
}

/** An object whose enumerable getter throws an error whose message and name getters throw too. */
export function hostileObject(label: string): object {
  const out = {};
  throwingGetter(out, 'field', () => unreadable(label));
  return out;
}
