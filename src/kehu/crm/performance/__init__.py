"""Staff performance: each person's and each team's pipeline, deals, activities, ticket
response times and revenue against target over a period."""
