'use client';

import { useEffect, useState } from 'react';
import { passwordStrength, STRENGTH_LABELS, weakness, type Strength } from '@/lib/password-strength';

/**
 * How hard a new password is to guess, as the person types: a meter, a word, and what would
 * make it stronger. The server checks the same estimate and refuses below "Strong".
 */
export function PasswordMeter({ password, userInputs = [] }: { password: string; userInputs?: string[] }) {
  const [strength, setStrength] = useState<Strength | null>(null);
  const inputs = userInputs.join('\n');
  useEffect(() => {
    if (!password) return;
    let current = true;
    const timer = setTimeout(() => {
      void passwordStrength(password, inputs.split('\n')).then((s) => current && setStrength(s));
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [password, inputs]);
  if (!password || !strength) return null;
  const problem = weakness(strength);
  return (
    <div className="strength" data-score={strength.score}>
      <meter min={0} max={4} low={2} high={3} optimum={4} value={strength.score} aria-label="Password strength" />
      <span className="small" aria-live="polite">
        {STRENGTH_LABELS[strength.score]}
        {problem ? ` — ${problem}` : ''}
      </span>
    </div>
  );
}
