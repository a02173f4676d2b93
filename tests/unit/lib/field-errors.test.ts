import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listFieldErrors, localFieldErrors } from '@/lib/field-errors';

describe('field errors', () => {
  it('names every bad item of a list with its line, nested keys included', () => {
    const errors = { sources: ['At most 8'], 'sources.1.host': ['A hostname'], 'sources.3': ['Empty'], other: ['x'] };
    expect(listFieldErrors(errors, 'sources')).toEqual(['At most 8', 'Line 2: A hostname', 'Line 4: Empty']);
    expect(listFieldErrors(errors, 'missing')).toBeUndefined();
    expect(listFieldErrors({ sourcesExtra: ['no'] }, 'sources')).toBeUndefined();
  });

  it("checks input in the browser with the router's schema, keyed as the server keys them", () => {
    const schema = z.object({
      name: z.string().min(1, 'Required'),
      nets: z.array(z.string().regex(/^\d/, 'A network')),
    });
    expect(localFieldErrors(schema, { name: 'a', nets: ['1'] })).toBeNull();
    expect(localFieldErrors(schema, { name: '', nets: ['1', 'x', 'y'] })).toEqual({
      name: ['Required'],
      'nets.1': ['A network'],
      'nets.2': ['A network'],
    });
  });
});
