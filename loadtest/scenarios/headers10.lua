-- wrk script: GET with ten X-Bench-N headers (what tests/plugins/headers10x3.c
-- reads), for handler_cost.sh and instructions.sh's TARGET=/bench/headers=...
wrk.method = "GET"
for i = 0, 9 do
  wrk.headers["X-Bench-" .. i] = "value-" .. i .. "-abcdefghijklmnop"
end
