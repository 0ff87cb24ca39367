/**
 * Route limits by class of traffic, and the benchmark's check of them against measured traffic.
 */
import { describe, expect, it } from 'vitest';
import type { WorkloadCost } from '../../bench/results.ts';
import { throttleCheck } from '../../bench/throttles.ts';
import { DESIGN_DOCUMENTS_PER_SECOND, ROUTES, THROTTLES, trafficClass } from '../../functions/catalog.ts';

const workload = (documentsArchived: number, api: Record<string, number>) =>
  ({ documentsArchived, breakdown: { api } }) as unknown as WorkloadCost;

describe('route limits', () => {
  it('classes every route: the public probe, uploads, reads and writes', () => {
    const cls = (method: string, path: string) => {
      const route = ROUTES.find((r) => r.method === method && r.path === path);
      if (!route) throw new Error(`${method} ${path} is not a route`);
      return trafficClass(route);
    };
    expect(cls('GET', '/health')).toBe('public');
    expect(cls('POST', '/submissions/{submissionId}/documents/{documentId}/upload-url')).toBe('upload');
    expect(cls('GET', '/documents')).toBe('read');
    expect(cls('POST', '/tasks/{taskId}/decision')).toBe('write');
    // The public probe has the smallest bucket of all.
    for (const t of Object.values(THROTTLES))
      expect(t.rateLimit).toBeGreaterThanOrEqual(THROTTLES.public.rateLimit);
  });

  it('measures the headroom of each route the workloads called, keeping the busiest workload', () => {
    const check = throttleCheck([
      workload(10, { 'POST /submissions': 2, 'POST /tasks/{id}/decision': 2 }),
      workload(10, { 'POST /submissions': 10 }),
    ]);
    const submissions = check.rows.find((r) => r.route === 'POST /submissions');
    expect(submissions?.perDocument).toBe(1);
    expect(submissions?.atDesignRate).toBe(DESIGN_DOCUMENTS_PER_SECOND);
    expect(submissions?.headroom).toBe(THROTTLES.write.rateLimit / DESIGN_DOCUMENTS_PER_SECOND);
    const decisions = check.rows.find((r) => r.route === 'POST /tasks/{taskId}/decision');
    expect(decisions?.perDocument).toBe(0.2);
    expect(check.minHeadroom).toBe(submissions?.headroom);
  });

  it('refuses traffic on a route the catalog does not have', () => {
    expect(() => throttleCheck([workload(1, { 'GET /nowhere': 1 })])).toThrow(/not a route/);
  });
});
