-- One name for the domain: the reverse proxy's tables are the routes'.
ALTER TABLE `proxy_routes` RENAME TO `routes`;--> statement-breakpoint
DROP INDEX `proxy_routes_host_path`;--> statement-breakpoint
CREATE UNIQUE INDEX `routes_host_path` ON `routes` (`host`,`path`);--> statement-breakpoint
ALTER TABLE `proxy_settings` RENAME TO `route_settings`;