'use client';

import { Field, FieldError } from '@/components/ui';
import { DOMAIN_MODE_INFO, DOMAIN_MODES, effectiveDomain, type DomainMode } from '@/lib/domain-modes';
import { PasswordMeter } from '@/components/password-meter';
import { Choices } from '@/components/choices';
import { SETUP_SERVICES, type SetupServiceId } from '@/lib/services';

export interface WizardData {
  /** Asked only of a wizard opened from another machine than the cell's host. */
  setupCode: string;
  cellName: string;
  domainMode: DomainMode;
  domain: string;
  ddnsToken: string;
  timezone: string;
  adminUsername: string;
  adminPassword: string;
  confirmPassword: string;
  services: SetupServiceId[];
}

export interface StepProps<K extends keyof WizardData = keyof WizardData> {
  data: Pick<WizardData, K>;
  set: (patch: Partial<Pick<WizardData, K>>) => void;
  errors: Record<string, string[]>;
}

type DomainProps = StepProps<'cellName' | 'domainMode' | 'domain' | 'ddnsToken'> & { hasToken?: boolean };

export function CodeStep({ data, set, errors }: StepProps) {
  return (
    <Field
      label="Setup code"
      name="setupCode"
      value={data.setupCode}
      onChange={(e) => set({ setupCode: e.target.value })}
      hint="Opened from another machine than the cell's server, the wizard asks for its one-time code: install.sh printed it, the server logs it when it starts, and it is in secrets/setup-code in the cell's data folder."
      errors={errors.setupCode}
      autoFocus
      autoComplete="one-time-code"
      spellCheck={false}
    />
  );
}

export function IdentityStep({ data, set, errors }: StepProps) {
  return (
    <Field
      label="Cell name"
      name="cellName"
      value={data.cellName}
      onChange={(e) => set({ cellName: e.target.value })}
      hint="A DNS label: lowercase letters, digits and hyphens. Your cell answers as <name>.cell inside the tunnel."
      errors={errors.cellName}
      autoFocus
      autoComplete="off"
    />
  );
}

export function DomainStep({ data, set, errors, hasToken }: DomainProps) {
  const info = DOMAIN_MODE_INFO[data.domainMode];
  return (
    <div className="stack">
      <Choices
        legend="How is your cell reached from the internet?"
        name="domainMode"
        value={data.domainMode}
        options={DOMAIN_MODES.map((mode) => ({ value: mode, ...DOMAIN_MODE_INFO[mode] }))}
        onChange={(domainMode) => set({ domainMode })}
        errors={errors.domainMode}
      />
      {info.domain === 'derived' ? (
        <p className="muted">
          Your domain will be <code>{effectiveDomain(data.domainMode, data.cellName || 'your-cell')}</code>.
        </p>
      ) : (
        <Field
          label={info.domain === 'optional' ? 'Domain (optional)' : 'Domain'}
          name="domain"
          value={data.domain}
          onChange={(e) => set({ domain: e.target.value })}
          placeholder={
            data.domainMode === 'duckdns'
              ? 'yourname.duckdns.org'
              : data.domainMode === 'lan'
                ? `${data.cellName || 'cell'}.home.arpa`
                : 'example.org'
          }
          errors={errors.domain}
          autoComplete="off"
        />
      )}
      {info.token && (
        <Field
          label={info.tokenLabel ?? 'Token'}
          name="ddnsToken"
          type="password"
          value={data.ddnsToken}
          onChange={(e) => set({ ddnsToken: e.target.value })}
          hint={hasToken ? 'A token is stored. Leave empty to keep it.' : 'Stored encrypted; never shown again.'}
          errors={errors.ddnsToken}
          autoComplete="off"
        />
      )}
    </div>
  );
}

function timezones(): string[] {
  const list = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}

export function TimezoneStep({ data, set, errors }: StepProps<'timezone'>) {
  return (
    <div className="field">
      <label htmlFor="f-timezone">Time zone</label>
      <select
        id="f-timezone"
        name="timezone"
        value={data.timezone}
        onChange={(e) => set({ timezone: e.target.value })}
        aria-invalid={errors.timezone ? true : undefined}
      >
        {timezones().map((tz) => (
          <option key={tz} value={tz}>
            {tz}
          </option>
        ))}
      </select>
      <span className="hint">Used for logs, schedules and certificates. Defaults to this browser’s zone.</span>
      <FieldError errors={errors.timezone} />
    </div>
  );
}

export function AdminStep({ data, set, errors }: StepProps) {
  return (
    <div className="stack">
      <Field
        label="Admin username"
        name="adminUsername"
        value={data.adminUsername}
        onChange={(e) => set({ adminUsername: e.target.value })}
        errors={errors.adminUsername}
        autoComplete="username"
      />
      <Field
        label="Password"
        name="adminPassword"
        type="password"
        value={data.adminPassword}
        onChange={(e) => set({ adminPassword: e.target.value })}
        hint="At least 12 characters."
        errors={errors.adminPassword}
        autoComplete="new-password"
      />
      <PasswordMeter password={data.adminPassword} userInputs={[data.adminUsername, data.cellName]} />
      <Field
        label="Confirm password"
        name="confirmPassword"
        type="password"
        value={data.confirmPassword}
        onChange={(e) => set({ confirmPassword: e.target.value })}
        errors={errors.confirmPassword}
        autoComplete="new-password"
      />
    </div>
  );
}

export function ServicesStep({ data, set, errors }: StepProps) {
  const toggle = (id: SetupServiceId) =>
    set({ services: data.services.includes(id) ? data.services.filter((s) => s !== id) : [...data.services, id] });
  return (
    <div className="stack">
      {SETUP_SERVICES.map((s) => (
        <label key={s.id} className="choice">
          <input
            type="checkbox"
            name="services"
            value={s.id}
            checked={data.services.includes(s.id)}
            onChange={() => toggle(s.id)}
          />
          <span>
            <strong>{s.label}</strong>
            <span className="muted small">{s.description}</span>
          </span>
        </label>
      ))}
      <FieldError errors={errors.services} />
    </div>
  );
}

export function ReviewStep({ data }: StepProps) {
  return (
    <dl className="kv">
      <dt>Cell name</dt>
      <dd>{data.cellName}</dd>
      <dt>Domain</dt>
      <dd>
        {DOMAIN_MODE_INFO[data.domainMode].label} —{' '}
        <code>{effectiveDomain(data.domainMode, data.cellName, data.domain || undefined)}</code>
      </dd>
      <dt>Time zone</dt>
      <dd>{data.timezone}</dd>
      <dt>Admin</dt>
      <dd>{data.adminUsername}</dd>
      <dt>Services</dt>
      <dd>
        {data.services.length
          ? SETUP_SERVICES.filter((s) => data.services.includes(s.id))
              .map((s) => s.label)
              .join(', ')
          : 'none'}
      </dd>
    </dl>
  );
}
