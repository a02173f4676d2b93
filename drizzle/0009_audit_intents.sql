ALTER TABLE `audit_entries` ADD `ref` integer;--> statement-breakpoint
CREATE INDEX `audit_entries_ref` ON `audit_entries` (`ref`);