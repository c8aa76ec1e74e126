import type { FastifyPluginAsync } from 'fastify';
import type { HttpDeps } from '../deps.js';
import { readableCategories } from '../../sharing/reading-sharing.js';
import { residentsOf } from '../../sharing/visibility.js';

/** The doctor page's list: the doctor's own patients, and which categories each shares with their doctor (README, "Doctor page"). */
export const doctorRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  app.get(
    '/api/doctor',
    {
      config: { roles: ['doctor'] },
      schema: {
        tags: ['sharing'],
        description:
          'For a doctor token: the doctor’s own patients (residents naming this doctor) by name, with their neighbourhood and the categories (location, vitals, activity, conditions) each shares with their doctor. Logged in the access log.',
      },
    },
    async (request) => {
      const principal = request.principal!;
      const patients = residentsOf(deps.registry, principal).sort((a, b) => a.name.localeCompare(b.name));
      const atMs = deps.now();
      await deps.accessLog.record(
        patients.map((r) => ({ atMs, actor: principal.subject ?? principal.role, role: principal.role, resident: r.id, category: 'profile' as const, action: 'read_doctor_page', ground: 'consent' as const })),
      );
      return {
        patients: patients.map((r) => ({
          id: r.id,
          name: r.name,
          gridName: deps.registry.get('grids', r.grid)?.name ?? null,
          shares: [...readableCategories(r, 'doctor')],
        })),
      };
    },
  );
};
