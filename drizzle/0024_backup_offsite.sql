CREATE TABLE `backup_offsite` (
	`id` integer PRIMARY KEY NOT NULL,
	`target` text DEFAULT '{"kind":"none"}' NOT NULL,
	`password_enc` text
);
--> statement-breakpoint
ALTER TABLE `backups` ADD `offsite_at` integer;--> statement-breakpoint
ALTER TABLE `backups` ADD `offsite_error` text;