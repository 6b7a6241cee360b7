-- Store schema version 3: what a run actually did with its model's classes and tasks, for the
-- reports. JSON: [{"class": NAME, "weight": W (share of the model's class weights), "users": N,
-- "iterations": N, "tasks": [{"name": NAME, "weight": W (share within the class), "runs": N}]}].
ALTER TABLE runs ADD COLUMN mix TEXT NOT NULL DEFAULT '[]';
