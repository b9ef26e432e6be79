/** What each model-using service reports about its model, for /ready. */
export interface ModelStatus {
  /** `name@version`, or null when the service runs without its model. */
  model: string | null;
  /** Why there is no model (a missing file, disabled by configuration). */
  reason?: string;
  /** A model that must be there for the process to be ready. */
  required: boolean;
}

export class ModelStatusRegistry {
  private readonly statuses = new Map<string, ModelStatus>();

  set(component: string, status: ModelStatus): void {
    this.statuses.set(component, status);
  }

  all(): Record<string, ModelStatus> {
    return Object.fromEntries(this.statuses);
  }

  /** Ready unless a required model is missing. */
  ready(): boolean {
    return [...this.statuses.values()].every((s) => !s.required || s.model !== null);
  }
}

export const MODEL_STATUS = Symbol('MODEL_STATUS');
