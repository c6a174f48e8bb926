import { ApiError } from './api';
import { describeError } from './dom';

/** A refusal in words: each field the server named with what is wrong with it, else the problem's own text. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Object.entries(error.problem?.errors ?? {}).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
    return fields.length > 0 ? fields.join('; ') : error.message;
  }
  return describeError(error);
}
