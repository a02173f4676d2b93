/** Caddy renderer inputs shared by the golden tests and `caddy validate`. */
import type { CaddyModel } from '@/server/managers/routes/render';
import { goldenInputs } from './golden';

export const CADDY = goldenInputs<CaddyModel>('caddy');
