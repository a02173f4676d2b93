CREATE TABLE `ca_authorities` (
	`role` text PRIMARY KEY NOT NULL,
	`cert_pem` text NOT NULL,
	`key_enc` text NOT NULL,
	`not_after` integer NOT NULL,
	`crl_number` integer NOT NULL,
	`crl_der` text,
	`crl_next_update` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `certificates` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`common_name` text NOT NULL,
	`sans` text NOT NULL,
	`serial` text NOT NULL,
	`cert_pem` text NOT NULL,
	`key_enc` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`revoked_at` integer,
	`revoke_reason` text,
	`renewed_from` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_serial_unique` ON `certificates` (`serial`);--> statement-breakpoint
CREATE INDEX `certificates_not_after` ON `certificates` (`not_after`);