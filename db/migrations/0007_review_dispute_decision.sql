ALTER TABLE `review_deductions` ADD `decided_on` text;--> statement-breakpoint
ALTER TABLE `review_deductions` ADD `agency_memo` text;