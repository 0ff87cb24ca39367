import { schemeId } from '../adapters/env.ts';
import { getScheme, type Scheme } from '../core/scheme.ts';
import { apiHandler } from '../http/api.ts';

/**
 * The classification scheme in force, as the console needs it to build its forms. Each part is
 * named here, so a field added to the scheme format is published by choice, not by accident.
 */
export function schemeView(s: Scheme) {
  return {
    id: s.id,
    name: s.name,
    fonds: s.fonds,
    category: s.category,
    codeTemplate: s.codeTemplate,
    limits: s.limits,
    contentTypes: s.contentTypes,
    customerTypes: s.customerTypes,
    sensitiveFields: s.sensitiveFields,
    unmaskedRoles: s.unmaskedRoles,
    businessEvents: s.businessEvents.map((e) => ({
      code: e.code,
      classCode: e.classCode,
      name: e.name,
      required: e.required,
      optional: e.optional,
    })),
    documentTypes: s.documentTypes.map((t) => ({
      code: t.code,
      name: t.name,
      retention: t.retention,
      trigger: t.trigger,
      sensitive: t.sensitive,
      paper: t.paper,
    })),
  };
}

export const handler = apiHandler('scheme-get', async function handleSchemeGet() {
  return {
    status: 200,
    body: schemeView(getScheme(schemeId())),
    // The scheme changes only with a deployment.
    headers: { 'cache-control': 'private, max-age=300' },
  };
});
