/**
 * Image pulls run in the background, fed by the engine's progress stream; the page polls
 * a job for its progress. A registry that cannot be reached fails the job with the
 * engine's message, and a pull that goes quiet for a minute is abandoned.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { NotFoundError } from '../../errors';
import { engineMessage, statusOf, type Engine } from '../../runtime/docker';
import { logger } from '../../runtime/logger';
import { processWide } from '../../runtime/process-wide';

const log = logger.child('containers');
export const PULL_IDLE_MS = 60_000;

export interface LayerProgress {
  status: string;
  current: number;
  total: number;
}

export interface PullJob {
  id: string;
  image: string;
  state: 'running' | 'done' | 'failed';
  /** 0–100, from the layers' download and extraction progress. */
  percent: number;
  status: string;
  layers: Record<string, LayerProgress>;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** One line of the engine's pull stream. */
export interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

const DONE = /^(Pull complete|Already exists)$/;

/** A layer's share done: download counts for 70%, extraction for 30%. */
function layerFraction(l: LayerProgress): number {
  if (DONE.test(l.status)) return 1;
  const part = l.total > 0 ? Math.min(1, l.current / l.total) : 0;
  if (l.status === 'Downloading') return 0.7 * part;
  if (l.status === 'Verifying Checksum' || l.status === 'Download complete') return 0.7;
  if (l.status === 'Extracting') return 0.7 + 0.3 * part;
  return 0;
}

/** Folds one event into the job (pure apart from the job it is given). */
export function applyPullEvent(job: PullJob, event: PullEvent): void {
  if (event.error || event.errorDetail?.message) {
    job.error = event.errorDetail?.message ?? event.error ?? 'pull failed';
    return;
  }
  if (event.status)
    job.status = event.id && !/^[a-f0-9]{12}$/.test(event.id) ? `${event.status} ${event.id}` : event.status;
  // Layer lines carry a 12-hex ID; the others are about the whole image.
  if (event.id && /^[a-f0-9]{12}$/.test(event.id) && event.status) {
    const prev = job.layers[event.id];
    const detail = event.progressDetail ?? {};
    job.layers[event.id] = {
      status: event.status,
      current: detail.current ?? (event.status === prev?.status ? prev.current : 0),
      total: detail.total ?? prev?.total ?? 0,
    };
  }
  const layers = Object.values(job.layers);
  if (layers.length) job.percent = Math.round((100 * layers.reduce((s, l) => s + layerFraction(l), 0)) / layers.length);
}

const jobs = processWide('containers.pulls', () => new Map<string, PullJob>());
/** Each running pull's end, for those that wait on it. */
const ends = processWide('containers.pull-ends', () => new Map<string, Promise<void>>());

export function pullJob(id: string): PullJob {
  const job = jobs.get(id);
  if (!job) throw new NotFoundError(`No pull job ${id}`);
  return job;
}

/** Starts pulling; resolves with the job once the engine accepted the request. */
export async function startPull(engine: Engine, image: string): Promise<PullJob> {
  const docker = await engine.client({ streaming: true });
  const job: PullJob = {
    id: randomBytes(8).toString('hex'),
    image,
    state: 'running',
    percent: 0,
    status: 'Starting',
    layers: {},
    error: null,
    startedAt: new Date(),
    finishedAt: null,
  };
  jobs.set(job.id, job);
  // Finished jobs are kept for an hour for the page that started them.
  for (const [id, j] of jobs) if (j.finishedAt && Date.now() - j.finishedAt.getTime() > 3600_000) jobs.delete(id);
  const end = runPull(docker, job);
  ends.set(job.id, end);
  void end.finally(() => ends.delete(job.id));
  return job;
}

/** Pulls and waits until the image is on the engine, reporting the job's progress as it goes. */
export async function pullImage(engine: Engine, image: string, onProgress?: (job: PullJob) => void): Promise<void> {
  const job = await startPull(engine, image);
  const timer = onProgress ? setInterval(() => onProgress(job), 500) : undefined;
  try {
    await ends.get(job.id);
  } finally {
    clearInterval(timer);
  }
  onProgress?.(job);
  if (job.state === 'failed') throw new Error(`Pulling ${image} failed: ${job.error}`);
}

async function runPull(docker: Docker, job: PullJob): Promise<void> {
  try {
    const stream = (await docker.pull(job.image)) as Readable;
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          stream.destroy();
          reject(new Error(`the registry sent nothing for ${PULL_IDLE_MS / 1000} s`));
        }, PULL_IDLE_MS);
      };
      arm();
      docker.modem.followProgress(
        stream,
        (err: Error | null) => {
          clearTimeout(idle);
          if (err) reject(err);
          else resolve();
        },
        (event: PullEvent) => {
          arm();
          applyPullEvent(job, event);
        },
      );
    });
    if (job.error) throw new Error(job.error);
    job.state = 'done';
    job.percent = 100;
  } catch (err) {
    job.state = 'failed';
    job.error = job.error ?? engineMessage(err);
    log.warn('image pull failed', { image: job.image, error: job.error });
  } finally {
    job.finishedAt = new Date();
  }
}

/** Images on the engine, with the tags the stack can use. */
export async function listImages(engine: Engine) {
  const docker = await engine.client();
  const images = await docker.listImages();
  return images
    .map((i) => ({
      id: i.Id,
      tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
      size: i.Size,
      created: new Date(i.Created * 1000),
    }))
    .sort((a, b) => (a.tags[0] ?? '~').localeCompare(b.tags[0] ?? '~'));
}

/** Whether the engine holds an image under this reference. */
export async function imagePresent(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}
