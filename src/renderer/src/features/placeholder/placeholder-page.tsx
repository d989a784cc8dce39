import type { ReactElement } from 'react';

/** A section whose feature has not landed yet: says what will be here, and nothing more. */
export function PlaceholderPage({ title, text }: { title: string; text: string }): ReactElement {
  return (
    <section className="page">
      <h1>{title}</h1>
      <p className="muted">{text}</p>
    </section>
  );
}
