/**
 * The in-process event bus: core services emit typed events, each front door (Electron windows,
 * serve mode's WebSocket clients) subscribes and forwards them.
 */
import type { EventMap, EventName } from '../../shared/contract';

export type EventListener = <K extends EventName>(name: K, payload: EventMap[K]) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit<K extends EventName>(name: K, payload: EventMap[K]): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch {
        // One broken transport (a closed socket) must not stop delivery to the others.
      }
    }
  }
}
