ALTER TABLE `admissions` ADD `elig_direct` integer;--> statement-breakpoint
ALTER TABLE `admissions` ADD `elig_reason` text;--> statement-breakpoint
ALTER TABLE `admissions` ADD `elig_rule` text;--> statement-breakpoint
ALTER TABLE `admissions` ADD `elig_message` text;--> statement-breakpoint
ALTER TABLE `admissions` ADD `elig_valid_until` text;