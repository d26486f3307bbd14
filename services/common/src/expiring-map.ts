/**
 * A bounded map whose entries expire: what a service remembers of another's answers for a
 * short while (who holds an API key, a product's slug and picture). Past `maxEntries` the
 * least recently stored entry is forgotten first; an expired entry reads as absent.
 */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(key: K, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  set(key: K, value: V, now = Date.now()): void {
    this.entries.delete(key); // re-inserting moves it to the young end of the Map
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
