import type { SharingRecipient } from '../registry/schemas.js';

/** Whose eyes an alert is shaped for: a sharing recipient, or the operator (sees everything, logged). */
export type Viewer = SharingRecipient | 'admin';

/** The viewer a token's role stands for; undefined for the other roles. */
export function recipientOfRole(role: string): Viewer | undefined {
  switch (role) {
    case 'admin':
      return 'admin';
    case 'worker':
    case 'doctor':
    case 'family':
    case 'responder':
      return role;
    default:
      return undefined;
  }
}
