CREATE INDEX `peers_created` ON `peers` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `peers_expires` ON `peers` (`expires_at`,`id`);