CREATE TABLE `cell_names` (
	`label` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`owner` text NOT NULL,
	`target` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cell_names_owner` ON `cell_names` (`kind`,`ref`);--> statement-breakpoint
-- The names that were held before the registry, in the order that decided conflicts: the cell, services, devices, custom records (peers are added at start, their label needs the cell's own rule).
INSERT OR IGNORE INTO `cell_names` SELECT `cell_name`, 'cell', 'cell', 'the cell', 'cell', `updated_at` FROM `settings` WHERE `id` = 1;--> statement-breakpoint
INSERT OR IGNORE INTO `cell_names` SELECT `name`, CASE `service` WHEN 'dns' THEN 'core' WHEN 'ntp' THEN 'core' WHEN 'routes' THEN 'route' ELSE 'service' END, CASE `service` WHEN 'routes' THEN `name` || '.cell' ELSE `service` END, CASE `service` WHEN 'routes' THEN 'route ' || `name` || '.cell' ELSE 'service ' || `service` END, 'cell', `created_at` FROM `dns_service_names` WHERE `name` <> 'ns';--> statement-breakpoint
INSERT OR IGNORE INTO `cell_names` SELECT `name`, 'device', CAST(`id` AS text), 'device ' || `name` || ' (DHCP reservation)', 'ip:' || `address`, `created_at` FROM `dhcp_reservations`;--> statement-breakpoint
INSERT OR IGNORE INTO `cell_names` SELECT DISTINCT `name`, 'record', 'custom', 'a custom record', NULL, 0 FROM `dns_records` WHERE `zone` = 'cell' AND `name` <> '@';--> statement-breakpoint
DROP TABLE `dns_service_names`;