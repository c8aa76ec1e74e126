import { SHARING_CATEGORIES, SHARING_RECIPIENTS } from './schemas.js';

/**
 * Problems with a resident's `sharing` choices, each naming the wrong category or recipient (the
 * schema's own message for a wrong enum value names neither).
 */
export function sharingProblems(sharing: unknown, where = 'sharing'): string[] {
  if (sharing === undefined) return [];
  if (typeof sharing !== 'object' || sharing === null || Array.isArray(sharing)) return [`${where}: expected an object of categories`];
  const problems: string[] = [];
  for (const [category, recipients] of Object.entries(sharing)) {
    if (!(SHARING_CATEGORIES as readonly string[]).includes(category)) {
      problems.push(`${where}/${category}: unknown category "${category}"; one of ${SHARING_CATEGORIES.join(', ')}`);
      continue;
    }
    if (!Array.isArray(recipients)) {
      problems.push(`${where}/${category}: expected a list of recipients`);
      continue;
    }
    recipients.forEach((r: unknown, i) => {
      if (typeof r !== 'string' || !(SHARING_RECIPIENTS as readonly string[]).includes(r)) {
        problems.push(`${where}/${category}/${i}: unknown recipient ${JSON.stringify(r)}; one of ${SHARING_RECIPIENTS.join(', ')}`);
      }
    });
  }
  return problems;
}
