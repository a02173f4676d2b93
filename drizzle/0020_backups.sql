CREATE TABLE `backup_operations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`backup_id` text NOT NULL,
	`state` text NOT NULL,
	`steps` text NOT NULL,
	`error` text,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `backup_settings` (
	`id` integer PRIMARY KEY NOT NULL,
	`recipient` text,
	`scheduled` integer DEFAULT false NOT NULL,
	`hour` integer DEFAULT 3 NOT NULL,
	`keep_daily` integer DEFAULT 7 NOT NULL,
	`keep_weekly` integer DEFAULT 4 NOT NULL,
	`keep_monthly` integer DEFAULT 6 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `backups` (
	`id` text PRIMARY KEY NOT NULL,
	`file` text NOT NULL,
	`trigger` text NOT NULL,
	`encryption` text NOT NULL,
	`state` text NOT NULL,
	`size` integer DEFAULT 0 NOT NULL,
	`items` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`cell_version` text NOT NULL,
	`schema_version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`verified_at` integer,
	`verify_error` text
);
